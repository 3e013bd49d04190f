package server

import (
	"reflect"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// FuzzRedactRoundTrip: a redacted policy shows no secret or routing key, no
// URL userinfo or query, no Slack path; sent back unchanged, it restores the
// stored sink exactly.
func FuzzRedactRoundTrip(f *testing.F) {
	f.Add(0, "https://hooks.example/a?token=T0K", "s3cret", "")
	f.Add(1, "", "", "PDKEY")
	f.Add(2, "https://hooks.slack.com/services/T/B/XYZ", "", "")
	f.Add(0, "https://user:pw@h.example/p", "k", "")
	f.Add(0, "not a url", "", "")
	f.Add(0, "https://h.example/p?", "k", "")
	f.Fuzz(func(t *testing.T, kind int, rawURL, secret, routingKey string) {
		s := judge.Sink{Kind: []string{"webhook", "pagerduty", "slack"}[uint(kind)%3], URL: rawURL, Secret: secret, RoutingKey: routingKey}
		if s.Secret == secretSet || s.RoutingKey == secretSet || strings.Contains(s.URL, urlRedacted) {
			t.Skip("placeholders are reserved")
		}
		stored := judge.Policy{Notify: []judge.Sink{s}}
		shown := redactPolicy(stored)
		r := shown.Notify[0]
		if !reflect.DeepEqual(stored.Notify[0], s) {
			t.Fatal("redactPolicy changed its argument")
		}
		if (r.Secret != "" && r.Secret != secretSet) || (r.RoutingKey != "" && r.RoutingKey != secretSet) {
			t.Fatalf("credentials shown: %+v", r)
		}
		if strings.Contains(r.URL, "@"+urlRedacted) || (strings.Contains(r.URL, "?") && !strings.HasSuffix(r.URL, "?"+urlRedacted)) ||
			(s.Kind == "slack" && r.URL != "" && !strings.HasSuffix(r.URL, urlRedacted)) {
			t.Fatalf("URL %q shown as %q", s.URL, r.URL)
		}
		restored, err := keepSecrets(&shown, &store.PolicyRecord{Version: 1, Policy: stored})
		if err != nil || !reflect.DeepEqual(shown.Notify[0], s) {
			t.Fatalf("sent back unchanged: %+v, %v; want %+v (restored %v)", shown.Notify[0], err, s, restored)
		}
	})
}
