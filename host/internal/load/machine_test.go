package load

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBusyTicks(t *testing.T) {
	root := t.TempDir()
	// user nice system idle iowait irq softirq steal guest guest_nice
	stat := "cpu  542722 5 254114 197584 3599 7 4512 11 0 0\ncpu0 270746 0 125311 102714 783 0 1731 0 0 0\nintr 1\n"
	if err := os.WriteFile(filepath.Join(root, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := busyTicks(root)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(uint64(542722+5+254114+7+4512+11), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMachineFigure(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name   string
		ticks  uint64
		server *CPU
		self   float64
		want   *MachineCPU
	}{
		{"without the server's figure", 300, nil, 0.5, &MachineCPU{BusyCores: 1.5}},
		{"the rest of the machine", 380, &CPU{Seconds: 2}, 1, &MachineCPU{BusyCores: 1.9, OtherCores: f(0.4)}},
		{"tick rounding below zero shows as zero", 299, &CPU{Seconds: 2}, 1, &MachineCPU{BusyCores: 1.5, OtherCores: f(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, machineFigure(tt.ticks, 2, tt.server, tt.self)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
