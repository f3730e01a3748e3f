package load

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MachineCPU is how busy the whole machine was over the measured window,
// from /proc/stat: on a shared machine it says how much of the cores
// neither the server nor the load tool used.
type MachineCPU struct {
	// BusyCores is the machine's CPU time over the window's length.
	BusyCores float64 `json:"busy_cores"`
	// OtherCores is BusyCores less the server's and the load tool's: what
	// everything else on the machine took meanwhile (kernel work on their
	// behalf, such as loopback networking, is partly in here too). Only
	// when the server's CPU was measured.
	OtherCores *float64 `json:"other_cores,omitempty"`
}

// busyTicks reads the machine's busy CPU time, in ticks summed over all
// cores: user, nice, system, irq, softirq and steal (guest time is already
// in user), leaving out idle and iowait.
func busyTicks(root string) (uint64, error) {
	f, err := os.Open(filepath.Join(root, "stat"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Fields(sc.Text())
		if len(cols) < 9 || cols[0] != "cpu" {
			continue
		}
		var busy uint64
		for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system _ _ irq softirq steal
			v, err := strconv.ParseUint(cols[i], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %q is not a number", f.Name(), cols[i])
			}
			busy += v
		}
		return busy, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no cpu line", f.Name())
}
