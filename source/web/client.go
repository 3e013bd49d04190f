package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Source is an opened web source.
type Source struct {
	*sourcekit.Fetcher
	cfg                                  Config
	http                                 *http.Client
	series, labels, points, tpath, vpath Path
}

// Open returns a source for a validated config; see source.Backend.
func (Backend) Open(name string, raw json.RawMessage) (source.Source, error) {
	cfg, err := parse(raw)
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg}
	s.series, _ = ParsePath(cfg.Series)
	s.labels, _ = ParsePath(cfg.Labels)
	s.points, _ = ParsePath(cfg.Points)
	s.tpath, _ = ParsePath(cfg.Time)
	s.vpath, _ = ParsePath(cfg.Value)
	s.http = cfg.Client(func(r *http.Request) {
		for k, v := range cfg.Headers {
			r.Header.Set(k, v)
		}
		cfg.Credentials.Apply(r)
	})
	s.Fetcher = &sourcekit.Fetcher{Name: name, Backend: "web", Q: s, Step: cfg.Step.Duration, Concurrency: cfg.Concurrency}
	return s, nil
}

// Render implements sourcekit.Querier.
func (s *Source) Render(q string, sc source.Scope, w sourcekit.Window) (string, error) {
	r, err := Render(q, sc, w)
	return r.String(), err
}

// Query sends the rendered request and picks the series out of the
// answer with the configured selectors.
func (s *Source) Query(ctx context.Context, q string, w sourcekit.Window) ([]sourcekit.Series, error) {
	r, err := split(q)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimSuffix(s.cfg.URL, "/")+r.Path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, sourcekit.Unwrap(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := sourcekit.StatusError(resp, raw, ""); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers beyond float64 must reach Float, not fail the decode
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("web: the answer is not JSON (%v): %s", err, sourcekit.Truncate(string(raw), 300))
	}
	return s.pick(doc, w)
}

// pick reads the series of a decoded answer.
func (s *Source) pick(doc any, w sourcekit.Window) ([]sourcekit.Series, error) {
	var out []sourcekit.Series
	for i, node := range items(s.series.Select(doc)) {
		ser := sourcekit.Series{Labels: map[string]string{}}
		if len(s.labels) > 0 {
			for _, l := range s.labels.Select(node) {
				if m, ok := l.(map[string]any); ok {
					for k, v := range m {
						ser.Labels[k] = fmt.Sprint(v)
					}
				}
			}
		}
		for _, p := range items(s.points.Select(node)) {
			t, v, err := s.point(p, w)
			if err != nil {
				return nil, fmt.Errorf("web: series %d: %w", i, err)
			}
			ser.Points = append(ser.Points, sourcekit.Point{T: t, V: v})
		}
		out = append(out, ser)
	}
	return out, nil
}

// items reads a selection as a list: one selected array is its elements
// ($.data.result and $.data.result[*] select the same series).
func items(nodes []any) []any {
	if len(nodes) == 1 {
		if a, ok := nodes[0].([]any); ok {
			return a
		}
	}
	return nodes
}

// point reads one point's time and value.
func (s *Source) point(p any, w sourcekit.Window) (time.Time, float64, error) {
	ts, vs := s.tpath.Select(p), s.vpath.Select(p)
	if len(ts) != 1 || len(vs) != 1 {
		return time.Time{}, 0, fmt.Errorf("a point has %d times and %d values at %q and %q, want one of each", len(ts), len(vs), s.cfg.Time, s.cfg.Value)
	}
	t, err := s.when(ts[0])
	if err != nil {
		return t, 0, err
	}
	if s.cfg.Stamp == "start" {
		t = t.Add(w.Step)
	}
	v, err := number(vs[0])
	return t, v, err
}

func (s *Source) when(x any) (time.Time, error) {
	if s.cfg.TimeUnit == "rfc3339" {
		str, _ := x.(string)
		return time.Parse(time.RFC3339Nano, str)
	}
	f, err := number(x)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, fmt.Errorf("time %v is not a number", x)
	}
	if s.cfg.TimeUnit == "ms" {
		return time.UnixMilli(int64(f)), nil
	}
	return time.Unix(0, int64(f*1e9)), nil
}

// number reads a decoded JSON value as a sourcekit.Float does.
func number(x any) (float64, error) {
	var b []byte
	switch v := x.(type) {
	case nil:
		return math.NaN(), nil
	case json.Number:
		b = []byte(v.String())
	case string:
		b, _ = json.Marshal(v)
	default:
		return 0, fmt.Errorf("value %v is not a number", x)
	}
	var f sourcekit.Float
	err := f.UnmarshalJSON(b)
	return float64(f), err
}
