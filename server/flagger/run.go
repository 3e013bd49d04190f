package flagger

import (
	"net/http"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/store"
)

// preRollout answers once the release exists and, when the webhook's
// metadata names a source, starts the scheduled run that feeds its
// decision (repeats keep the running one). Scopes default to Flagger's
// naming: the canary's pods carry app=NAME, the primary's app=NAME-primary;
// metadata.canary_scope and baseline_scope ("label=value,...") override
// them, interval and lifetime set the run's.
func (h *Handler) preRollout(r *http.Request, a Answer, rel store.Release, p Payload) (Answer, error) {
	src := p.Metadata["source"]
	if src == "" || h.StartRun == nil || rel.State != judge.StateBaking {
		return yes(a, "release "+rel.ID+" is "+string(rel.State)), nil
	}
	spec, err := runSpec(p)
	if err != nil {
		return a, err
	}
	id, err := h.StartRun(r, rel.ID, spec)
	if err != nil {
		return a, err
	}
	if id == "" {
		return yes(a, "release "+rel.ID+" is "+string(rel.State)+"; its scheduled run goes on"), nil
	}
	return yes(a, "release "+rel.ID+" is "+string(rel.State)+"; scheduled run "+id+" pulls its windows from "+src), nil
}

// runSpec reads the run's settings from the webhook's metadata.
func runSpec(p Payload) (deploytool.RunSpec, error) {
	m := p.Metadata
	spec := deploytool.RunSpec{Source: m["source"], Interval: m["interval"], Lifetime: m["lifetime"],
		Canary: map[string]string{"app": p.Name}, Baseline: map[string]string{"app": p.Name + "-primary"}}
	v := &judge.ValidationError{}
	for key, side := range map[string]*map[string]string{"canary_scope": &spec.Canary, "baseline_scope": &spec.Baseline} {
		if m[key] == "" {
			continue
		}
		sc, err := deploytool.ParseScope(m[key])
		if err != nil {
			v.Add("metadata."+key, err.Error())
			continue
		}
		*side = sc
	}
	return spec, v.Err()
}
