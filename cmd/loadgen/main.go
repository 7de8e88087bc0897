// Command loadgen is the load generator of `make bench` (see
// internal/loadgen and docs/performance.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/worksynapse/worksynapse/internal/loadgen"
)

// envURL is the variable the test suite and the Makefile already use for
// the PostgreSQL server (internal/envURL).
const envURL = "WORKSYNAPSE_TEST_DATABASE_URL"

func main() {
	o := loadgen.Options{Progress: os.Stderr}
	sizes := "10000,200000"
	flag.StringVar(&o.AdminURL, "database-url", os.Getenv(envURL),
		"postgres:// URL of a server where the user may CREATE DATABASE (default $"+envURL+")")
	flag.StringVar(&sizes, "tasks", sizes, "comma-separated task counts to seed, smallest first")
	flag.IntVar(&o.Concurrency, "concurrency", 16, "concurrent clients")
	flag.DurationVar(&o.Duration, "duration", 10*time.Second, "measuring time per scenario and task count")
	flag.StringVar(&o.OutDir, "out", "bench/results", "directory of the JSON report (empty: none)")
	flag.StringVar(&o.Only, "only", "", "run only the scenarios whose name contains this, e.g. 'get task'")
	flag.BoolVar(&o.Unprepared, "unprepared", false, "send ent's statements unprepared (database.prepared_statements=false) to measure what planning once buys")
	flag.BoolVar(&o.NoSessionCache, "no-session-cache", false, "turn the session cache off (auth.session_cache_ttl=0) to measure what it buys")
	flag.StringVar(&o.ProfileDir, "cpuprofile", "", "directory for a CPU profile of each scenario (go tool pprof)")
	flag.Parse()
	if o.AdminURL == "" {
		fmt.Fprintln(os.Stderr, "loadgen: no PostgreSQL: set -database-url or "+envURL)
		os.Exit(2)
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "loadgen: bad -tasks value %q\n", s)
			os.Exit(2)
		}
		o.Sizes = append(o.Sizes, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := loadgen.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r.WriteTable(os.Stdout)
	if r.File != "" {
		fmt.Println("\nwrote", r.File)
	}
}
