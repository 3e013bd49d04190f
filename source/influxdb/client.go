package influxdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Source is an opened InfluxDB source.
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
		if cfg.Username != "" {
			r.SetBasicAuth(cfg.Username, cfg.Password)
		}
	})
	s.Fetcher = &sourcekit.Fetcher{Name: name, Backend: "influxdb", Q: s, Step: cfg.Step.Duration, Concurrency: cfg.Concurrency}
	return s, nil
}

// Render implements sourcekit.Querier.
func (s *Source) Render(q string, sc source.Scope, w sourcekit.Window) (string, error) {
	return Render(q, sc, w), nil
}

// answer is /query's JSON (epoch=ms).
type answer struct {
	Error   string `json:"error"`
	Results []struct {
		Error  string `json:"error"`
		Series []struct {
			Name    string              `json:"name"`
			Tags    map[string]string   `json:"tags"`
			Columns []string            `json:"columns"`
			Values  [][]sourcekit.Float `json:"values"`
		} `json:"series"`
	} `json:"results"`
}

// Query runs one InfluxQL statement over /query. Each row is a GROUP BY
// time() bucket stamped at its start; it becomes a point at its end.
func (s *Source) Query(ctx context.Context, q string, w sourcekit.Window) ([]sourcekit.Series, error) {
	form := url.Values{"db": {s.cfg.Database}, "q": {q}, "epoch": {"ms"}}
	if s.cfg.RetentionPolicy != "" {
		form.Set("rp", s.cfg.RetentionPolicy)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(s.cfg.URL, "/")+"/query", strings.NewReader(form.Encode()))
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
	var ans answer
	jerr := json.Unmarshal(body, &ans)
	if err := sourcekit.StatusError(resp, body, ans.Error); err != nil {
		return nil, fmt.Errorf("influxdb: %w", err)
	}
	if jerr != nil {
		return nil, notJSON(body, jerr)
	}
	if len(ans.Results) != 1 {
		return nil, fmt.Errorf("influxdb: %d statement results, want one (send one SELECT)", len(ans.Results))
	}
	if e := ans.Results[0].Error; e != "" {
		return nil, errors.New("influxdb: " + e)
	}
	var out []sourcekit.Series
	for _, rs := range ans.Results[0].Series {
		if len(rs.Columns) != 2 || rs.Columns[0] != "time" {
			return nil, fmt.Errorf("influxdb: series %s has columns %v, want time and one value (select one field or aggregate)", rs.Name, rs.Columns)
		}
		ser := sourcekit.Series{Labels: map[string]string{"_measurement": rs.Name}}
		for k, v := range rs.Tags {
			ser.Labels[k] = v
		}
		for _, row := range rs.Values {
			if len(row) != 2 {
				continue
			}
			t := time.UnixMilli(int64(row[0])).Add(w.Step)
			ser.Points = append(ser.Points, sourcekit.Point{T: t, V: float64(row[1])})
		}
		out = append(out, ser)
	}
	return out, nil
}

// notJSON explains an answer that is not JSON: InfluxDB 1.x writes its
// encoder's error instead when a value is +Inf or -Inf (an aggregate that
// overflowed float64), which no JSON can carry.
func notJSON(body []byte, err error) error {
	b := string(bytes.TrimSpace(body))
	if strings.Contains(b, "unsupported value: +Inf") || strings.Contains(b, "unsupported value: -Inf") || strings.Contains(b, "unsupported value: NaN") {
		return fmt.Errorf("influxdb could not send the answer: a value is non-finite (+Inf, -Inf: an aggregate overflowed float64), which InfluxDB 1.x cannot encode in JSON: %s", sourcekit.Truncate(b, 300))
	}
	return fmt.Errorf("influxdb: the answer is not JSON (%v): %s", err, sourcekit.Truncate(b, 300))
}
