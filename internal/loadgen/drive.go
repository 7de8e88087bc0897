package loadgen

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Result is one scenario's measurement.
type Result struct {
	Scenario    string  `json:"scenario"`
	Tasks       int     `json:"tasks"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	RPS         float64 `json:"requests_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	// FirstError describes the first failed request, if any.
	FirstError string `json:"first_error,omitempty"`
}

// op is one request (or transaction) of a scenario; worker is the
// caller's index, for per-worker state.
type op func(ctx context.Context, worker int) error

// measure runs op from conc workers: each starts operations until d has
// passed, then finishes the one in flight (which counts: slow operations
// such as bcrypt logins under load may take longer than d). Failed
// operations count as errors and are left out of the latencies.
func measure(ctx context.Context, name string, tasks, conc int, d time.Duration, fn op) Result {
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr string
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var nerr int
			var first string
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				if err := fn(ctx, w); err != nil {
					nerr++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all, errs = append(all, lat...), errs+nerr
			if firstErr == "" {
				firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	return Result{Scenario: name, Tasks: tasks, Concurrency: conc, Seconds: elapsed.Seconds(),
		Requests: len(all), Errors: errs, RPS: float64(len(all)) / elapsed.Seconds(),
		P50ms: percentile(all, 0.50), P99ms: percentile(all, 0.99), FirstError: firstErr}
}

// percentile of sorted latencies in milliseconds (nearest rank).
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

// client sends the scenarios' requests over keep-alive connections.
type client struct {
	http  *http.Client
	base  string
	token string
}

func newHTTPClient(conc int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conc*2, conc*2
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// do sends one request and fails unless the status is want. The body is
// read to the end (the client pays for the whole response) and returned.
func (c *client) do(ctx context.Context, method, path, body string, want int) ([]byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %.200s", method, path, resp.StatusCode, b)
	}
	return b, nil
}

// pick returns a random element.
func pick[T any](xs []T) T { return xs[rand.IntN(len(xs))] }
