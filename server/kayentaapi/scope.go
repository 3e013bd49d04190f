package kayentaapi

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/source"
)

// The extendedScopeParams canaryjudge reads. Kayenta hands a scope's
// extendedScopeParams to its metric integration (its Prometheus filter
// templates bind them); orca copies the canary stage's scope parameters
// into both scopes of every interval, so they are set once per stage.
const (
	// ParamScopeLabel names the label a scope that is a name (a server
	// group, or any string) must equal; DefaultScopeLabel when absent.
	ParamScopeLabel = "scopeLabel"
	// ParamLocationLabel names the label the scope's location must
	// equal; without it the location is not matched (as in a Kayenta
	// filter template that does not use ${location}).
	ParamLocationLabel = "locationLabel"
	// ParamScopeTemplate is label matchers whose values may hold
	// {{scope}}, {{location}} and {{<any extendedScopeParam>}}, e.g.
	// "cluster={{scope}},region={{location}},account={{accountId}}".
	ParamScopeTemplate = "scopeTemplate"
)

// DefaultScopeLabel is the label a scope name is matched against when the
// scope names no scopeLabel: Kayenta's Prometheus integration has one
// configurable scope label too (kayenta.prometheus.scopeLabel).
const DefaultScopeLabel = "server_group"

// placeholder is {{name}} in a scope template.
var placeholder = regexp.MustCompile(`\{\{\s*([^{}\s]*)\s*\}\}`)

// scopeLabels translates a Kayenta scope into the exact label matchers the
// metric source puts where a query has {{scope}}. Kayenta's model: a
// scope is a name (a server group, or any string) plus a location. In
// order:
//
//   - extendedScopeParams.scopeTemplate: its matchers, placeholders filled;
//   - extendedScopeParams.scopeLabel, or a scope without "=": the name,
//     {scopeLabel: scope} (DefaultScopeLabel unless given);
//   - otherwise the scope is label matchers, "app=checkout,track=canary"
//     (joined by "," or " and ", values optionally quoted); a label named
//     as Kubernetes writes it (Argo Rollouts' rollouts-pod-template-hash)
//     is matched under the name Prometheus's Kubernetes discovery gives
//     it (rollouts_pod_template_hash).
//
// Then extendedScopeParams.locationLabel adds {locationLabel: location}.
// Problems are added to v under at (e.g. "scopes.default.controlScope").
func scopeLabels(v *judge.ValidationError, at string, s Scope) map[string]string {
	ext := s.Extended
	n := len(v.Problems)
	var out map[string]string
	switch {
	case ext[ParamScopeTemplate] != "":
		out = fromTemplate(v, at, s)
	case ext[ParamScopeLabel] != "" || !strings.Contains(s.Scope, "="):
		out = byName(v, at, s)
	default:
		m, err := deploytool.ParseKubernetesScope(s.Scope)
		if err != nil {
			v.Add(at+".scope", err.Error()+"; or a server group name, matched against extendedScopeParams.scopeLabel (default "+
				DefaultScopeLabel+")")
			return nil
		}
		out = m
	}
	if len(v.Problems) > n {
		return nil
	}
	if ext[ParamScopeTemplate] == "" {
		addLocation(v, at, s, out)
	}
	if len(out) > source.MaxScopeLabels {
		v.Add(at+".scope", fmt.Sprintf("makes %d label matchers; at most %d", len(out), source.MaxScopeLabels))
	}
	return out
}

// byName matches the scope, a name, against one label.
func byName(v *judge.ValidationError, at string, s Scope) map[string]string {
	label := s.Extended[ParamScopeLabel]
	if label == "" {
		label = DefaultScopeLabel
	} else if !judge.IsLabelName(label) {
		v.Add(at+".extendedScopeParams."+ParamScopeLabel, "must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)")
		return nil
	}
	if strings.TrimSpace(s.Scope) == "" {
		v.Add(at+".scope", "required: a server group name (matched against "+label+") or label matchers such as app=checkout,track=canary")
		return nil
	}
	return map[string]string{label: s.Scope}
}

// addLocation adds {locationLabel: location} when the scope names a
// location label.
func addLocation(v *judge.ValidationError, at string, s Scope, out map[string]string) {
	label := s.Extended[ParamLocationLabel]
	switch {
	case label == "":
		return
	case !judge.IsLabelName(label):
		v.Add(at+".extendedScopeParams."+ParamLocationLabel, "must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)")
	case s.Location == "":
		v.Add(at+".location", "required when extendedScopeParams."+ParamLocationLabel+" is set (the value "+label+" must equal)")
	case out[label] != "" && out[label] != s.Location:
		v.Add(at+".location", fmt.Sprintf("%q contradicts the scope's %s=%q", s.Location, label, out[label]))
	default:
		out[label] = s.Location
	}
}

// fromTemplate reads the template's matchers, then fills each value's
// placeholders from the scope (as Kayenta's filter templates bind
// ${scope}, ${location} and the extendedScopeParams). A placeholder
// without a value is an error, as an undefined variable is in Kayenta.
func fromTemplate(v *judge.ValidationError, at string, s Scope) map[string]string {
	field := at + ".extendedScopeParams." + ParamScopeTemplate
	m, err := deploytool.ParseScope(s.Extended[ParamScopeTemplate])
	if err != nil {
		v.Add(field, err.Error())
		return nil
	}
	bind := maps.Clone(s.Extended)
	if bind == nil {
		bind = map[string]string{}
	}
	bind["scope"], bind["location"] = s.Scope, s.Location
	for _, k := range slices.Sorted(maps.Keys(m)) {
		m[k] = placeholder.ReplaceAllStringFunc(m[k], func(p string) string {
			name := placeholder.FindStringSubmatch(p)[1]
			val, ok := bind[name]
			if !ok || val == "" {
				v.Add(field, fmt.Sprintf("%s has no value in this scope (the template may use {{scope}}, {{location}} and "+
					"the scope's extendedScopeParams: %s)", p, strings.Join(slices.Sorted(maps.Keys(s.Extended)), ", ")))
			}
			return val
		})
	}
	return m
}
