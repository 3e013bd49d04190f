package server

import (
	"fmt"
	"strings"

	"github.com/canaryjudge/canaryjudge/internal/redact"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Sink credentials are write-only. A policy read back (GET, and the PUT
// answer) shows a webhook secret and a PagerDuty routing key as "(set)",
// and the part of a URL that can carry a credential as "(redacted)": the
// whole path of a Slack incoming-webhook URL (the URL is the credential),
// and the userinfo and query of any other URL. A PUT may send those values
// back unchanged: each keeps the stored credential of the sink at the same
// position, when that sink has the same kind and (once restored) the same
// URL. Anything else that still holds a placeholder is refused, so a
// credential is never sent somewhere new without being typed again.
const (
	secretSet   = redact.Set
	urlRedacted = redact.Redacted
)

// redactPolicy returns p with every sink's credentials hidden; p is not changed.
func redactPolicy(p judge.Policy) judge.Policy {
	if len(p.Notify) == 0 {
		return p
	}
	sinks := make([]judge.Sink, len(p.Notify))
	for i, s := range p.Notify {
		if s.Secret != "" {
			s.Secret = secretSet
		}
		if s.RoutingKey != "" {
			s.RoutingKey = secretSet
		}
		s.URL = redactURL(s.Kind, s.URL)
		sinks[i] = s
	}
	p.Notify = sinks
	return p
}

// redactURL hides the parts of raw that can hold a credential: the one
// function for sink and source URLs (internal/redact).
func redactURL(kind, raw string) string { return redact.URL(kind, raw) }

// keepSecrets replaces the placeholders in p's sinks with the credentials
// of cur (the stored policy, nil when there is none). It reports whether it
// restored anything; a placeholder it cannot restore is a 400 naming the field.
func keepSecrets(p *judge.Policy, cur *store.PolicyRecord) (bool, error) {
	v := &judge.ValidationError{}
	restored := false
	for i := range p.Notify {
		in := &p.Notify[i]
		var old *judge.Sink
		if cur != nil && i < len(cur.Policy.Notify) && cur.Policy.Notify[i].Kind == in.Kind {
			old = &cur.Policy.Notify[i]
		}
		prefix := fmt.Sprintf("notify[%d].", i)
		if old != nil && in.URL != old.URL && in.URL == redactURL(old.Kind, old.URL) {
			in.URL, restored = old.URL, true
		}
		if strings.Contains(in.URL, urlRedacted) {
			v.Add(prefix+"url", "holds a redacted URL that is not this sink's stored one; send the full URL")
		}
		same := old != nil && in.URL == old.URL
		for _, f := range []struct {
			name     string
			val, was *string
		}{{"secret", &in.Secret, oldField(old, func(s *judge.Sink) *string { return &s.Secret })},
			{"routing_key", &in.RoutingKey, oldField(old, func(s *judge.Sink) *string { return &s.RoutingKey })}} {
			switch {
			case *f.val != secretSet:
			case same && *f.was != "":
				*f.val, restored = *f.was, true
			default:
				v.Add(prefix+f.name, `is "(set)", but the sink at this position in the stored policy has no such value, `+
					"another kind or another URL; send the value itself")
			}
		}
	}
	return restored, v.Err()
}

func oldField(s *judge.Sink, f func(*judge.Sink) *string) *string {
	if s == nil {
		empty := ""
		return &empty
	}
	return f(s)
}
