package llm_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/llm"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// BenchmarkGatewayOverhead measures what the gateway adds to a call: each
// iteration calls the fake provider directly and then through the whole
// stack (auth, agent and grant lookups, limits, guard, reservation,
// provider, record). The reported added-ms/median is the difference of
// the two medians (goal: under 3 ms on the 2-core machine).
func BenchmarkGatewayOverhead(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var db *database.DB
			if dialect == "sqlite" {
				db = testdb.NewSQLite(b)
			} else {
				db = testdb.NewPostgres(b)
			}
			g := startGateway(b, db, "10s")
			a := g.newAgent(b, agent.ProviderOpenaiCompatible, "gpt-bench", nil)
			body := []byte(hello)
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			do := func(url string, h http.Header) time.Duration {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header = h
				start := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				return time.Since(start)
			}
			direct := http.Header{"Authorization": {"Bearer sk-test-openai"}, "Content-Type": {"application/json"}}
			via := g.headers(g.aliceT, a)
			via.Set("Content-Type", "application/json")
			var d, v []time.Duration
			b.ResetTimer()
			for b.Loop() {
				d = append(d, do(g.openai.srv.URL+"/v1/chat/completions", direct))
				v = append(v, do(g.s.URL+llm.Path, via))
				g.led.take() // keep the fake ledger small
			}
			b.StopTimer()
			added := median(v) - median(d)
			b.ReportMetric(float64(added.Microseconds())/1000, "added-ms/median")
			b.ReportMetric(float64(median(d).Microseconds())/1000, "direct-ms/median")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
