package datadog

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Source is an opened Datadog source.
type Source struct {
	*sourcekit.Fetcher
	cfg  Config
	http *http.Client
}

// Open returns a source for a validated config; see source.Backend.
func (Backend) Open(name string, raw json.RawMessage) (source.Source, error) {
	cfg, err := parse(raw)
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg}
	s.http = cfg.Client(func(r *http.Request) {
		r.Header.Set("DD-API-KEY", cfg.APIKey)
		r.Header.Set("DD-APPLICATION-KEY", cfg.AppKey)
	})
	s.Fetcher = &sourcekit.Fetcher{Name: name, Backend: "datadog", Q: s, Step: cfg.Step.Duration, Concurrency: cfg.Concurrency}
	return s, nil
}

// Render implements sourcekit.Querier.
func (s *Source) Render(q string, sc source.Scope, w sourcekit.Window) (string, error) {
	return Render(q, sc, w)
}

// answer is GET /api/v1/query's JSON (MetricsQueryResponse).
type answer struct {
	Status string   `json:"status"`
	Error  string   `json:"error"`
	Errors []string `json:"errors"`
	Series []struct {
		Metric    string              `json:"metric"`
		Scope     string              `json:"scope"`
		TagSet    []string            `json:"tag_set"`
		Interval  int64               `json:"interval"`
		Pointlist [][]sourcekit.Float `json:"pointlist"`
	} `json:"series"`
}

// Query runs one query over the window. Datadog stamps each point at the
// start of its rollup interval (the series' interval, in seconds); it
// becomes a point at the interval's end.
func (s *Source) Query(ctx context.Context, q string, w sourcekit.Window) ([]sourcekit.Series, error) {
	v := url.Values{"from": {strconv.FormatInt(w.Start.Unix(), 10)}, "to": {strconv.FormatInt(w.End.Unix(), 10)}, "query": {q}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(s.cfg.URL, "/")+"/api/v1/query?"+v.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, sourcekit.Unwrap(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ans answer
	jerr := json.Unmarshal(body, &ans)
	if err := sourcekit.StatusError(resp, body, strings.Join(ans.Errors, "; ")); err != nil {
		return nil, fmt.Errorf("datadog: %w", err)
	}
	switch {
	case jerr != nil:
		return nil, fmt.Errorf("datadog: the answer is not a query response (%v): %s", jerr, sourcekit.Truncate(string(body), 300))
	case ans.Status == "error" || ans.Error != "":
		return nil, fmt.Errorf("datadog: %s", ans.Error)
	}
	out := make([]sourcekit.Series, 0, len(ans.Series))
	for _, ser := range ans.Series {
		step := w.Step
		if ser.Interval > 0 {
			step = time.Duration(ser.Interval) * time.Second
		}
		o := sourcekit.Series{Labels: tags(ser.TagSet)}
		o.Labels["scope"] = ser.Scope
		for _, p := range ser.Pointlist {
			if len(p) == 2 {
				o.Points = append(o.Points, sourcekit.Point{T: time.UnixMilli(int64(p[0])).Add(step), V: float64(p[1])})
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// tags reads a series' tag_set (["pod:a", "code:500"]) as labels.
func tags(set []string) map[string]string {
	out := map[string]string{}
	for _, t := range set {
		k, v, _ := strings.Cut(t, ":")
		out[k] = v
	}
	return out
}
