package deploytool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// RunSpec is a scheduled run a tool's protocol starts for its release: the
// source to pull from, each side's label matchers, and optionally the
// window spacing and lifetime (Go durations; empty: the policy's).
type RunSpec struct {
	Source           string
	Canary, Baseline map[string]string
	Interval         string
	Lifetime         string
}

var scopeSplit = regexp.MustCompile(`\s*,\s*|\s+and\s+`)

// ParseScope reads label matchers written as text: "name=value" terms
// joined by "," or " and ", values optionally double-quoted (Kayenta's
// scopes, Flagger's metadata).
func ParseScope(s string) (map[string]string, error) { return parseScope(s, false) }

// ParseKubernetesScope is ParseScope for matchers that may name a label as
// Kubernetes writes it (rollouts-pod-template-hash, app.kubernetes.io/name):
// such a name becomes the one Prometheus's Kubernetes service discovery
// gives the label (__meta_kubernetes_pod_label_<name>, mapped by the usual
// labelmap), every character outside [a-zA-Z0-9_] an underscore.
func ParseKubernetesScope(s string) (map[string]string, error) { return parseScope(s, true) }

var notLabelChar = regexp.MustCompile(`[^a-zA-Z0-9_]`)

func parseScope(s string, kube bool) (map[string]string, error) {
	out := map[string]string{}
	for _, term := range scopeSplit.Split(strings.TrimSpace(s), -1) {
		name, value, ok := strings.Cut(term, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if unq, found := strings.CutPrefix(value, `"`); found && strings.HasSuffix(unq, `"`) && len(unq) > 0 {
			value = strings.TrimSuffix(unq, `"`)
		}
		if kube && name != "" && !judge.IsLabelName(name) {
			name = notLabelChar.ReplaceAllString(name, "_")
		}
		if !ok || !judge.IsLabelName(name) || value == "" {
			return nil, fmt.Errorf("%q is not label=value (label matchers joined by \",\" or \" and \")", term)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("label %q is named twice", name)
		}
		out[name] = value
	}
	return out, nil
}

// CancelRuns ends the release's running scheduled run (a release has one
// at most) as CANCELED, as DELETE /v1/runs/{id} does, and returns what it
// cancelled: none when nothing was running (a repeat, or a run that ended
// meanwhile). The release is left as it is.
func (x Releases) CancelRuns(ctx context.Context, releaseID, reason, actor string, now time.Time) ([]store.Run, error) {
	runs, err := x.Store.ListRuns(ctx, store.RunQuery{ReleaseID: releaseID, State: store.RunRunning, Limit: 10})
	if err != nil {
		return nil, err
	}
	out := []store.Run{}
	for _, run := range runs {
		input, _ := json.Marshal(map[string]string{"run": run.ID, "reason": reason})
		c, err := x.Store.CancelRun(ctx, run.ID, reason, now, store.AuditEntry{Actor: actor, Action: "run:cancel", Input: input})
		switch {
		case errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound):
			continue // it ended meanwhile
		case err != nil:
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}
