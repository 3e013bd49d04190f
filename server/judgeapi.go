package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
)

// postJudge judges one window of series against a policy, statelessly.
func (s *Server) postJudge(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	req, err := judge.ParseRequest(body)
	if err != nil {
		return err
	}
	res, err := judge.JudgeSides(req.Policy, req.Canary, req.Baseline)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// analysisBody is POST /v1/releases/{id}/analyses before its series are
// parsed, so that every bad point is reported with its full path.
type analysisBody struct {
	Canary      json.RawMessage `json:"canary"`
	Baseline    json.RawMessage `json:"baseline"`
	SourceError string          `json:"source_error,omitempty"`
	Window      *struct {
		Start json.RawMessage `json:"start"`
		End   json.RawMessage `json:"end"`
	} `json:"window,omitempty"`
}

// parseAnalysis decodes an analysis request, listing every bad point.
func parseAnalysis(body []byte) (engine.AnalysisRequest, error) { return parseAnalysisWith(body, true) }

// parseAnalysisWith is parseAnalysis; split tries splitAnalysis's one pass
// first (false: always the full decoding, the reference its test uses).
func parseAnalysisWith(body []byte, split bool) (engine.AnalysisRequest, error) {
	var (
		raw   analysisBody
		sides [2]*judge.Side
		ok    bool
	)
	if split {
		raw, sides, ok = splitAnalysis(body)
	}
	if !ok {
		if err := decodeStrict(body, &raw); err != nil {
			return engine.AnalysisRequest{}, err
		}
	}
	req := engine.AnalysisRequest{SourceError: raw.SourceError}
	req.Raw = compactJSON(body)
	all := &judge.ValidationError{}
	for i, side := range []struct {
		name string
		raw  json.RawMessage
		dst  *judge.Side
	}{{"canary", raw.Canary, &req.Canary}, {"baseline", raw.Baseline, &req.Baseline}} {
		if ok { // read in place by splitAnalysis
			if sides[i] != nil {
				*side.dst = *sides[i]
			}
			continue
		}
		if len(side.raw) == 0 || string(side.raw) == "null" {
			continue
		}
		if err := side.dst.UnmarshalJSON(side.raw); err != nil {
			v, ok := judge.AsValidation(err)
			if !ok {
				return req, err
			}
			for _, p := range v.Problems {
				f := side.name
				if p.Field != "" {
					f += "." + p.Field
				}
				all.Add(f, p.Message)
			}
		}
	}
	if raw.Window != nil {
		req.Window = &engine.WindowTimes{Start: parseTime(all, "window.start", raw.Window.Start), End: parseTime(all, "window.end", raw.Window.End)}
	}
	return req, all.Err()
}

// parseTime reads an RFC 3339 time; a missing one is left zero for the
// engine to report.
func parseTime(v *judge.ValidationError, field string, raw json.RawMessage) time.Time {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		v.Add(field, "must be an RFC 3339 time string such as \"2026-12-01T10:05:00Z\"")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		v.Add(field, fmt.Sprintf("must be an RFC 3339 time such as \"2026-12-01T10:05:00Z\", not %q", s))
	}
	return t
}

// compactJSON is body without insignificant whitespace, as the audit log
// keeps it; a body with no whitespace byte at all is already compact and
// is kept as it is (json.Compact would copy it unchanged). Nil if body is
// not JSON (decodeStrict has refused it by then).
func compactJSON(body []byte) []byte {
	if bytes.IndexAny(body, " \t\r\n") < 0 {
		return body
	}
	var compact bytes.Buffer
	compact.Grow(len(body))
	if json.Compact(&compact, body) != nil {
		return nil
	}
	return compact.Bytes()
}
