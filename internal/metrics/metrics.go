// Package metrics exposes Prometheus metrics at /metrics: HTTP requests per
// operation and status with a latency histogram, database pool statistics,
// authentication failures and rate-limit rejections. Each App has its own
// registry, so several servers in one test process do not collide.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

const namespace = "worksynapse"

// Metrics holds the registry and the instruments the server updates.
type Metrics struct {
	Registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	AuthFailures *prometheus.CounterVec
	jobs         *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
}

// New registers the process, Go runtime and database pool collectors.
func New(db *sql.DB) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests by API operation, method and status code.",
		}, []string{"operation", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "HTTP request latency by API operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		AuthFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "auth_failures_total",
			Help: "Failed authentications by reason (bad credentials, invalid token, ...).",
		}, []string{"reason"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "jobs_total",
			Help: "Background job attempts worked by this process, by kind and outcome (ok, error).",
		}, []string{"kind", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "job_duration_seconds",
			Help:    "Background job attempt duration by kind.",
			Buckets: []float64{.005, .025, .1, .5, 1, 5, 30, 120, 600},
		}, []string{"kind"}),
	}
	reg.MustRegister(m.requests, m.duration, m.AuthFailures, m.jobs, m.jobDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, namespace))
	return m
}

// CounterFunc registers a counter read from fn at scrape time (e.g. the
// rate limiter's rejection count).
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Namespace: namespace, Name: name, Help: help,
	}, fn))
}

// ObserveJob counts one worked job attempt (jobs.Options.Observe).
func (m *Metrics) ObserveJob(kind string, err error, took time.Duration) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.jobs.WithLabelValues(kind, outcome).Inc()
	m.jobDuration.WithLabelValues(kind).Observe(took.Seconds())
}

// JobStates registers worksynapse_jobs{state}, the number of background
// jobs per River state, read from count at scrape time (it spans every
// replica: the jobs table is shared).
func (m *Metrics) JobStates(count func(ctx context.Context) (map[string]int, error)) {
	m.Registry.MustRegister(&jobStates{count: count, desc: prometheus.NewDesc(namespace+"_jobs",
		"Background jobs by River state (available, running, retryable, scheduled, completed, discarded, cancelled).",
		[]string{"state"}, nil)})
}

type jobStates struct {
	count func(ctx context.Context) (map[string]int, error)
	desc  *prometheus.Desc
}

func (j *jobStates) Describe(ch chan<- *prometheus.Desc) { ch <- j.desc }

func (j *jobStates) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := j.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(j.desc, err)
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(j.desc, prometheus.GaugeValue, float64(n), state)
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Middleware records every request. It must run inside RequestID (the
// operation name is read from the request metadata after the handler ran);
// paths outside the API are labelled by a fixed name, never by raw path, to
// keep label cardinality bounded.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		op := requestmeta.FromContext(r.Context()).Operation
		if op == "" {
			op = "other"
		}
		m.requests.WithLabelValues(op, r.Method, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	})
}

// statusRecorder captures the status code and keeps streaming working.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush on the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
