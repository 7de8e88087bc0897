// Package loadgen is the load generator behind `make bench`: it serves the
// real stack (internal/app) on loopback over a temporary PostgreSQL
// database, seeds an organization, a project and N tasks, drives each
// scenario at a fixed concurrency for a fixed time and reports requests/s
// and p50/p99 latency, plus the ratios the performance targets are stated
// in (docs/performance.md).
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

// Options configure a run.
type Options struct {
	// AdminURL is a postgres:// URL whose user may CREATE DATABASE.
	AdminURL    string
	Sizes       []int // seeded task counts, smallest first
	Concurrency int
	Duration    time.Duration // per scenario and size
	// OutDir receives the JSON report; empty writes none.
	OutDir string
	// Progress receives one line per finished scenario.
	Progress io.Writer
	// Only, if set, runs the scenarios whose name contains it.
	Only string
	// ProfileDir, if set, receives a CPU profile of each scenario's
	// measuring window (<scenario>-<tasks>.pprof; server and clients share
	// the process).
	ProfileDir string
	// NoSessionCache turns the session cache off (auth.session_cache_ttl
	// 0), to measure what it buys.
	NoSessionCache bool
	// Unprepared turns database.prepared_statements off, to measure what
	// planning once buys.
	Unprepared bool
}

// Ratio is a derived figure with its target (0: informational).
type Ratio struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target float64 `json:"target,omitempty"`
	Met    *bool   `json:"met,omitempty"`
}

// Report is a run's outcome (the JSON written under bench/results/).
type Report struct {
	Started     time.Time `json:"started"`
	GoVersion   string    `json:"go_version"`
	CPUs        int       `json:"cpus"`
	Concurrency int       `json:"concurrency"`
	Results     []Result  `json:"results"`
	Ratios      []Ratio   `json:"ratios"`
	File        string    `json:"-"`
}

// Run measures every scenario at every size.
func Run(ctx context.Context, o Options) (*Report, error) {
	r := &Report{Started: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Concurrency: o.Concurrency}
	for _, n := range o.Sizes {
		res, err := runSize(ctx, o, n)
		if err != nil {
			return nil, err
		}
		r.Results = append(r.Results, res...)
	}
	r.Ratios = ratios(r.Results, o.Sizes)
	if o.OutDir != "" {
		if err := r.write(o.OutDir); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// runSize seeds a fresh database with n tasks and runs the scenarios.
func runSize(ctx context.Context, o Options, n int) ([]Result, error) {
	s, err := startStack(ctx, o.AdminURL, o.NoSessionCache, o.Unprepared)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	hc := newHTTPClient(o.Concurrency)
	t0 := time.Now()
	f, err := seedFixture(ctx, s, hc, n)
	if err != nil {
		return nil, err
	}
	progress(o, "seeded %d tasks in %s\n", n, time.Since(t0).Round(time.Millisecond))
	c := &client{http: hc, base: s.URL, token: f.Token}
	var out []Result
	for _, sc := range scenarios(s, f, c, o.Concurrency) {
		if !strings.Contains(sc.name, o.Only) {
			continue
		}
		stop, err := startProfile(o.ProfileDir, sc.name, n)
		if err != nil {
			return nil, err
		}
		res := measure(ctx, sc.name, n, o.Concurrency, o.Duration, sc.op)
		stop()
		progress(o, "  %-24s %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d %s\n",
			sc.name, res.RPS, res.P50ms, res.P99ms, res.Errors, res.FirstError)
		out = append(out, res)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// startProfile starts a CPU profile into dir (none when dir is empty) and
// returns what stops it.
func startProfile(dir, scenario string, n int) (func(), error) {
	if dir == "" {
		return func() {}, nil
	}
	name := fmt.Sprintf("%s-%d.pprof", strings.NewReplacer(" ", "-", "(", "", ")", "", "=", "-").Replace(scenario), n)
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("loadgen: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("loadgen: cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func progress(o Options, format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format, args...)
	}
}

// Targets of the performance section of the product brief, and of the
// hot-path work: a request's throughput at least a share of its floor's
// (bare SQL), written as floor over request so that lower is better.
const (
	ListGrowthTarget = 1.3 // list p50 at the largest size over the smallest
	CreateCostTarget = 2.0 // create p50 over the bare SQL's p50

	GetFloorTarget    = 4.0     // get req/s >= 25% of its floor's
	ListFloorTarget   = 5.0     // list req/s >= 20% of its floor's
	CreateFloorTarget = 1 / 0.3 // create req/s >= 30% of its floor's
)

// ratios derives the target figures: list p50 growth from the smallest to
// the largest size, and create over bare SQL (latency and throughput) at
// each size.
func ratios(rs []Result, sizes []int) []Ratio {
	find := func(name string, n int) *Result {
		for i := range rs {
			if rs[i].Scenario == name && rs[i].Tasks == n {
				return &rs[i]
			}
		}
		return nil
	}
	var out []Ratio
	add := func(name string, v, target float64) {
		r := Ratio{Name: name, Value: v, Target: target}
		if target > 0 {
			met := v <= target
			r.Met = &met
		}
		out = append(out, r)
	}
	if len(sizes) > 1 {
		lo, hi := sizes[0], sizes[len(sizes)-1]
		for _, sc := range []string{ScenarioList, ScenarioListStatus} {
			a, b := find(sc, lo), find(sc, hi)
			if a != nil && b != nil && a.P50ms > 0 {
				add(fmt.Sprintf("%s p50 %d/%d", sc, hi, lo), b.P50ms/a.P50ms, ListGrowthTarget)
			}
		}
	}
	for _, n := range sizes {
		for _, f := range []struct {
			api, bare string
			target    float64
		}{{ScenarioGet, ScenarioGetSQL, GetFloorTarget}, {ScenarioList, ScenarioListSQL, ListFloorTarget}} {
			if api, bare := find(f.api, n), find(f.bare, n); api != nil && bare != nil && api.RPS > 0 {
				add(fmt.Sprintf("%s: bare SQL req/s / API at %d", f.api, n), bare.RPS/api.RPS, f.target)
			}
		}
		// Informational: the share of the task read alone, and what
		// preparing the task read buys on the bare path.
		if api, bare := find(ScenarioGet, n), find(ScenarioGetTaskSQL, n); api != nil && bare != nil && api.RPS > 0 {
			add(fmt.Sprintf("get task: bare task-only SQL req/s / API at %d", n), bare.RPS/api.RPS, 0)
		}
		if prep, unprep := find(ScenarioGetTaskSQL, n), find(ScenarioGetTaskSQLUnprepared, n); prep != nil && unprep != nil && unprep.RPS > 0 {
			add(fmt.Sprintf("task read: prepared / unprepared req/s at %d", n), prep.RPS/unprep.RPS, 0)
		}
		api, bare := find(ScenarioCreate, n), find(ScenarioCreateSQL, n)
		if api == nil || bare == nil || bare.P50ms == 0 || api.RPS == 0 {
			continue
		}
		add(fmt.Sprintf("create p50 / bare SQL p50 at %d", n), api.P50ms/bare.P50ms, CreateCostTarget)
		add(fmt.Sprintf("create task: bare SQL req/s / API at %d", n), bare.RPS/api.RPS, CreateFloorTarget)
	}
	return out
}

// write stores the report as bench/results/loadgen-<time>.json.
func (r *Report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	r.File = filepath.Join(dir, "loadgen-"+r.Started.Format("20060102T150405Z")+".json")
	return os.WriteFile(r.File, append(b, '\n'), 0o644)
}

// WriteTable prints the results and ratios as aligned text tables.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "\nconcurrency %d, %s, %d CPUs\n", r.Concurrency, r.GoVersion, r.CPUs)
	fmt.Fprintf(w, "%-24s %8s %10s %10s %10s %8s\n", "scenario", "tasks", "req/s", "p50 ms", "p99 ms", "errors")
	for _, x := range r.Results {
		fmt.Fprintf(w, "%-24s %8d %10.1f %10.2f %10.2f %8d\n", x.Scenario, x.Tasks, x.RPS, x.P50ms, x.P99ms, x.Errors)
	}
	fmt.Fprintln(w)
	for _, x := range r.Ratios {
		verdict := ""
		if x.Met != nil {
			verdict = fmt.Sprintf("target <= %.1f: %s", x.Target, map[bool]string{true: "met", false: "MISSED"}[*x.Met])
		}
		fmt.Fprintf(w, "%-44s %6.2fx  %s\n", x.Name, x.Value, verdict)
	}
}
