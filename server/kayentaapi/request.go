package kayentaapi

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/judge"
)

// QueryParams are the query parameters Kayenta's clients send; others are
// ignored (a newer client's parameter must not fail a canary).
var QueryParams = []string{"application", "metricsAccountName", "configurationAccountName", "storageAccountName", "parentPipelineExecutionId"}

const maxParam = 256

// queryParams reads the known query parameters, checking each value.
func queryParams(r *http.Request) (map[string]string, error) {
	v := &judge.ValidationError{}
	out := map[string]string{}
	q := r.URL.Query()
	for _, k := range QueryParams {
		val := q.Get(k)
		switch {
		case len(val) > maxParam:
			v.Add(k, fmt.Sprintf("must be at most %d bytes", maxParam))
		case !utf8.ValidString(val) || strings.ContainsRune(val, 0):
			v.Add(k, "must be valid UTF-8 without NUL characters")
		case val != "":
			out[k] = val
		}
	}
	return out, v.Err()
}

// ExecutionRequest is Kayenta's CanaryExecutionRequest, the fields read.
type ExecutionRequest struct {
	Scopes     map[string]ScopePair `json:"scopes"`
	Thresholds *Thresholds          `json:"thresholds"`
}

// ScopePair is one named pair of scopes.
type ScopePair struct {
	ControlScope    *WireScope `json:"controlScope"`
	ExperimentScope *WireScope `json:"experimentScope"`
}

// WireScope is Kayenta's CanaryScope as sent.
type WireScope struct {
	Scope               string            `json:"scope"`
	Location            string            `json:"location"`
	Region              string            `json:"region"`
	Start               string            `json:"start"`
	End                 string            `json:"end"`
	Step                *float64          `json:"step"`
	ExtendedScopeParams map[string]string `json:"extendedScopeParams"`
}

// Thresholds are the score thresholds of one execution.
type Thresholds struct {
	Pass     float64 `json:"pass"`
	Marginal float64 `json:"marginal"`
}

// pair picks the scope pair to judge: "default", else the only one.
func (req ExecutionRequest) pair(v *judge.ValidationError) (name string, control, experiment Scope) {
	if len(req.Scopes) == 0 {
		v.Add("scopes", "required: a named pair of controlScope and experimentScope (e.g. \"default\")")
		return "", Scope{}, Scope{}
	}
	name = "default"
	if _, ok := req.Scopes[name]; !ok {
		if len(req.Scopes) > 1 {
			names := make([]string, 0, len(req.Scopes))
			for k := range req.Scopes {
				names = append(names, k)
			}
			sort.Strings(names)
			v.Add("scopes", "several scopes "+fmt.Sprint(names)+" and none named \"default\": name the one to judge \"default\"")
			return "", Scope{}, Scope{}
		}
		for k := range req.Scopes {
			name = k
		}
	}
	p := req.Scopes[name]
	at := "scopes." + name
	return name, p.ControlScope.parse(v, at+".controlScope"), p.ExperimentScope.parse(v, at+".experimentScope")
}

// MaxScope is the longest scope (label matchers) of a request, in bytes.
// The server's central text check enforces it (server/limits.go), before
// the request is decoded.
const MaxScope = 4096

// parse checks one scope: times (RFC 3339, end after start) and step
// (seconds, not negative). Its text was checked before it was decoded
// (MaxScope).
func (s *WireScope) parse(v *judge.ValidationError, at string) Scope {
	if s == nil {
		v.Add(at, "required")
		return Scope{}
	}
	out := Scope{Scope: s.Scope, Location: s.Location, Extended: s.ExtendedScopeParams}
	if out.Location == "" {
		out.Location = s.Region
	}
	var err error
	if out.Start, err = time.Parse(time.RFC3339Nano, s.Start); err != nil {
		v.Add(at+".start", "required: an RFC 3339 time such as 2026-11-26T09:00:00Z")
	}
	if out.End, err = time.Parse(time.RFC3339Nano, s.End); err != nil {
		v.Add(at+".end", "required: an RFC 3339 time such as 2026-11-26T09:10:00Z")
	} else if !out.End.After(out.Start) {
		v.Add(at+".end", "must be after start")
	}
	if s.Step != nil {
		if *s.Step < 0 || *s.Step > 86400 {
			v.Add(at+".step", "must be 0-86400 seconds")
		} else {
			out.Step = time.Duration(*s.Step * float64(time.Second))
		}
	}
	return out
}

// thresholds are the request's, else the policy's.
func (req ExecutionRequest) thresholds(v *judge.ValidationError, p judge.Thresholds) judge.Thresholds {
	t := req.Thresholds
	if t == nil || (t.Pass == 0 && t.Marginal == 0) {
		return p
	}
	if t.Pass < 0 || t.Pass > 100 || t.Marginal < 0 || t.Marginal > t.Pass {
		v.Add("thresholds", "need 0 <= marginal <= pass <= 100")
	}
	return judge.Thresholds{Pass: t.Pass, Marginal: t.Marginal}
}
