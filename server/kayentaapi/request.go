package kayentaapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
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

// ScopeName is the scope every metric of a canaryjudge canary config
// reads: Kayenta binds each metric to a named scope (its scopeName,
// "default" unless the config says otherwise), and GET
// /kayenta/canaryConfig/{id} shows every metric bound to this one.
const ScopeName = "default"

// pair picks the scope pair to judge, as Kayenta's ExecutionMapper does
// for a config whose metrics all read scope "default": that pair, and a
// request without it is refused. Two departures, both stated: a request
// with a single pair of another name is judged on it (Argo Rollouts and
// hand-written requests name it freely), and further pairs beside
// "default" are refused rather than silently ignored, since no metric
// would read them.
func (req ExecutionRequest) pair(v *judge.ValidationError) (name string, control, experiment Scope) {
	names := slices.Sorted(maps.Keys(req.Scopes))
	switch {
	case len(names) == 0:
		v.Add("scopes", "required: a named pair of controlScope and experimentScope (e.g. \"default\")")
		return "", Scope{}, Scope{}
	case len(names) == 1:
		name = names[0]
	case !slices.Contains(names, ScopeName):
		v.Add("scopes", fmt.Sprintf("canary metrics require scopes which were not provided in the execution request: [%s] "+
			"(got %v; every metric of a canaryjudge canary config reads the scope named %q: name the pair to judge so, "+
			"and start one canary execution per further pair)", ScopeName, names, ScopeName))
		return "", Scope{}, Scope{}
	default:
		v.Add("scopes", fmt.Sprintf("scopes %v beside %q would not be judged: every metric of a canaryjudge canary config reads "+
			"the scope named %q (GET /kayenta/canaryConfig/{id} shows each metric's scopeName); send one pair, and start one "+
			"canary execution per further pair", slices.DeleteFunc(names, func(n string) bool { return n == ScopeName }),
			ScopeName, ScopeName))
		return "", Scope{}, Scope{}
	}
	p := req.Scopes[name]
	at := "scopes." + name
	control = p.ControlScope.parse(v, at+".controlScope")
	experiment = p.ExperimentScope.parse(v, at+".experimentScope")
	return name, control, experiment
}

// MaxScope is the longest scope (label matchers) of a request, in bytes.
// The server's central text check enforces it (server/limits.go), before
// the request is decoded.
const MaxScope = 4096

// parse checks one scope: times (RFC 3339, end after start), step
// (seconds, not negative) and what it selects (scopeLabels). Its text was
// checked before it was decoded (MaxScope).
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
	out.Labels = scopeLabels(v, at, out)
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
