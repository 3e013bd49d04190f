package newrelic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Source is an opened New Relic source.
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
	s.http = cfg.Client(func(r *http.Request) { r.Header.Set("API-Key", cfg.APIKey) })
	s.Fetcher = &sourcekit.Fetcher{Name: name, Backend: "newrelic", Q: s, Step: cfg.Step.Duration, Concurrency: cfg.Concurrency}
	return s, nil
}

// Render implements sourcekit.Querier.
func (s *Source) Render(q string, sc source.Scope, w sourcekit.Window) (string, error) {
	return Render(q, sc, w)
}

// document is the GraphQL query: the NRQL and the account are variables.
const document = `query($query: Nrql!, $accountId: Int!, $timeout: Seconds) { actor { account(id: $accountId) { nrql(query: $query, timeout: $timeout) { results metadata { facets } } } } }`

// answer is NerdGraph's JSON.
type answer struct {
	Data *struct {
		Actor struct {
			Account struct {
				NRQL *struct {
					Results  []map[string]json.RawMessage `json:"results"`
					Metadata struct {
						Facets []string `json:"facets"`
					} `json:"metadata"`
				} `json:"nrql"`
			} `json:"account"`
		} `json:"actor"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// Query runs one NRQL query. Each TIMESERIES bucket carries its own
// beginTimeSeconds and endTimeSeconds; it becomes a point at its end. A
// FACET query gives one series per facet value.
func (s *Source) Query(ctx context.Context, q string, w sourcekit.Window) ([]sourcekit.Series, error) {
	body, _ := json.Marshal(map[string]any{"query": document,
		"variables": map[string]any{"query": q, "accountId": s.cfg.AccountID, "timeout": int(max(5, s.cfg.Timeout.Seconds()))}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, sourcekit.Unwrap(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ans answer
	jerr := json.Unmarshal(raw, &ans)
	msgs := make([]string, 0, len(ans.Errors))
	for _, e := range ans.Errors {
		msgs = append(msgs, e.Message)
	}
	if err := sourcekit.StatusError(resp, raw, strings.Join(msgs, "; ")); err != nil {
		return nil, fmt.Errorf("newrelic: %w", err)
	}
	switch {
	case jerr != nil:
		return nil, fmt.Errorf("newrelic: the answer is not NerdGraph's JSON (%v): %s", jerr, sourcekit.Truncate(string(raw), 300))
	case len(msgs) > 0:
		return nil, fmt.Errorf("newrelic: %s", strings.Join(msgs, "; "))
	case ans.Data == nil || ans.Data.Actor.Account.NRQL == nil:
		return nil, fmt.Errorf("newrelic: the answer has no nrql results")
	}
	nrql := ans.Data.Actor.Account.NRQL
	return series(nrql.Results, nrql.Metadata.Facets)
}

// series groups result rows by facet and reads each row's one value.
func series(rows []map[string]json.RawMessage, facets []string) ([]sourcekit.Series, error) {
	byFacet := map[string]*sourcekit.Series{}
	var order []string
	for _, row := range rows {
		var end float64
		if err := json.Unmarshal(row["endTimeSeconds"], &end); err != nil {
			return nil, fmt.Errorf("newrelic: a result row has no endTimeSeconds: use TIMESERIES")
		}
		labels, key, err := facetLabels(row, facets)
		if err != nil {
			return nil, err
		}
		v, err := value(row, facets)
		if err != nil {
			return nil, err
		}
		ser := byFacet[key]
		if ser == nil {
			ser = &sourcekit.Series{Labels: labels}
			byFacet[key] = ser
			order = append(order, key)
		}
		ser.Points = append(ser.Points, sourcekit.Point{T: time.Unix(int64(end), 0), V: v})
	}
	out := make([]sourcekit.Series, 0, len(order))
	for _, k := range order {
		out = append(out, *byFacet[k])
	}
	return out, nil
}

// facetLabels names a row's facet values by the query's facet attributes.
func facetLabels(row map[string]json.RawMessage, facets []string) (map[string]string, string, error) {
	labels := map[string]string{}
	raw, ok := row["facet"]
	if !ok {
		return labels, "", nil
	}
	var vals []string
	if err := json.Unmarshal(raw, &vals); err != nil {
		var one string
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, "", fmt.Errorf("newrelic: a facet value is neither a string nor a list: %s", raw)
		}
		vals = []string{one}
	}
	for i, v := range vals {
		name := "facet"
		if i < len(facets) {
			name = facets[i]
		}
		labels[name] = v
	}
	return labels, strings.Join(vals, "\x00"), nil
}

// value reads a row's one aggregate (the field that is neither a time nor
// a facet).
func value(row map[string]json.RawMessage, facets []string) (float64, error) {
	var keys []string
	for k := range row {
		if k != "beginTimeSeconds" && k != "endTimeSeconds" && k != "facet" && !slices.Contains(facets, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) != 1 {
		slices.Sort(keys)
		return 0, fmt.Errorf("newrelic: a result row has values %v; select exactly one aggregate", keys)
	}
	var f sourcekit.Float
	if err := f.UnmarshalJSON(row[keys[0]]); err == nil {
		return float64(f), nil
	}
	// percentile(x, 99) answers {"99": value}: one value in an object.
	var obj map[string]sourcekit.Float
	if err := json.Unmarshal(row[keys[0]], &obj); err != nil || len(obj) != 1 {
		return 0, fmt.Errorf("newrelic: %s is not one number: %s", keys[0], sourcekit.Truncate(string(row[keys[0]]), 100))
	}
	for _, f := range obj {
		return float64(f), nil
	}
	return 0, nil
}
