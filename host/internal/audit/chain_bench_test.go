package audit

import (
	"fmt"
	"testing"
)

// BenchmarkChainAppend: what the durable audit log costs per record, in
// batches of one (a quiet host: each request its own transaction) and of
// 512 (the writer's largest, under load), on SQLite and PostgreSQL.
func BenchmarkChainAppend(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, size := range []int{1, 512} {
			b.Run(fmt.Sprintf("%s/batch=%d", backend, size), func(b *testing.B) {
				s := newDB(b, backend).open(b)
				c := chainOn(s, "bench")
				batch := make([]Record, size)
				for i := range batch {
					batch[i] = record(i)
				}
				b.ResetTimer()
				for b.Loop() {
					if err := c.WriteBatch(batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*size), "µs/record")
			})
		}
	}
}
