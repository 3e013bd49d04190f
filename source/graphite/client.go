package graphite

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

// Source is an opened Graphite source.
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
	s.http = cfg.Client(cfg.Credentials.Apply)
	s.Fetcher = &sourcekit.Fetcher{Name: name, Backend: "graphite", Q: s, Step: cfg.Step.Duration, Concurrency: cfg.Concurrency}
	return s, nil
}

// Render implements sourcekit.Querier.
func (s *Source) Render(q string, sc source.Scope, w sourcekit.Window) (string, error) {
	return Render(q, sc, w)
}

// series is one entry of the render API's JSON. Graphite writes an
// infinite value as 1e9999 and a missing one as null.
type series struct {
	Target     string              `json:"target"`
	Tags       map[string]string   `json:"tags"`
	Datapoints [][]sourcekit.Float `json:"datapoints"`
}

// Query runs one target over the window. Graphite stamps each point at
// the start of its interval and returns the intervals after from up to
// and including until's, so from and until are one second before the
// window's start and end: exactly the window's intervals come back; each
// becomes a point at its interval's end.
func (s *Source) Query(ctx context.Context, q string, w sourcekit.Window) ([]sourcekit.Series, error) {
	v := url.Values{"target": {q}, "format": {"json"},
		"from": {strconv.FormatInt(w.Start.Unix()-1, 10)}, "until": {strconv.FormatInt(w.End.Unix()-1, 10)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(s.cfg.URL, "/")+"/render", strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, sourcekit.Unwrap(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := sourcekit.StatusError(resp, body, ""); err != nil {
		return nil, fmt.Errorf("graphite: %w", err)
	}
	var ans []series
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("graphite: the answer is not render JSON (%v): %s", err, sourcekit.Truncate(string(body), 300))
	}
	out := make([]sourcekit.Series, 0, len(ans))
	for _, a := range ans {
		o := sourcekit.Series{Labels: map[string]string{"target": a.Target}}
		for k, v := range a.Tags {
			o.Labels[k] = v
		}
		for _, p := range a.Datapoints {
			if len(p) == 2 {
				o.Points = append(o.Points, sourcekit.Point{T: time.Unix(int64(p[1]), 0).Add(w.Step), V: float64(p[0])})
			}
		}
		out = append(out, o)
	}
	return out, nil
}
