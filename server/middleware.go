package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
)

type ctxKey int

const requestIDKey ctxKey = iota

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID returns the request's ID, or "" outside a request.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// withRequestID takes a sane X-Request-ID from the caller or makes one, and
// echoes it in the response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// statusWriter records the status code and bytes written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs every request and records its duration by route pattern,
// method and status. It also turns panics into a logged 500 problem.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", requestID(r.Context()), "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeProblem(sw, Problem{Type: problemBase + "internal", Title: "Internal server error",
						Status: http.StatusInternalServerError, Instance: r.URL.Path, RequestID: requestID(r.Context()),
						Detail: "an unexpected error occurred; the request ID is in the logs"})
				}
			}
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.duration.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Observe(d.Seconds())
			s.log.Info("request", "request_id", requestID(r.Context()), "method", r.Method, "route", route,
				"path", r.URL.Path, "status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000,
				"remote", r.RemoteAddr)
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody caps every request body; reading past it yields a
// *http.MaxBytesError that the error funnel answers with 413.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.fail(w, r, &http.MaxBytesError{Limit: s.cfg.MaxBodyBytes})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

type serverMetrics struct {
	duration *prometheus.HistogramVec
	pruned   *prometheus.CounterVec
}

func newServerMetrics(reg prometheus.Registerer) serverMetrics {
	m := serverMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "canaryjudge_http_request_duration_seconds",
		Help:    "HTTP request duration by route pattern, method and status code.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "code"}),
		pruned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "canaryjudge_pruned_rows_total",
			Help: "Rows deleted by retention, by table (idempotency, outbox, kayenta_executions).",
		}, []string{"table"})}
	if reg != nil {
		reg.MustRegister(m.duration, m.pruned)
	}
	return m
}

// discardLogger is used when the caller passes no logger.
var discardLogger = slog.New(slog.DiscardHandler)
