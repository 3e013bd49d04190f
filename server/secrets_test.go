package server

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

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

// FuzzSourceRedactRoundTrip: a source document read back shows no URL
// userinfo or query and no credential, through the very redactURL that
// hides sink URLs; its URL sent back unchanged restores the stored one, and
// a redacted URL that is not the stored one's is refused naming the field.
func FuzzSourceRedactRoundTrip(f *testing.F) {
	f.Add("http://prometheus:9090/api?k=S3CRET", "T0KEN", "pw")
	f.Add("https://user:pw@prom.example", "", "")
	f.Add("http://prom:9090", "", "")
	f.Add("no url at all", "x", "")
	f.Fuzz(func(t *testing.T, rawURL, token, password string) {
		if strings.Contains(rawURL+token+password, urlRedacted) || strings.Contains(rawURL+token+password, secretSet) {
			t.Skip("placeholders are reserved")
		}
		if !utf8.ValidString(rawURL) || !utf8.ValidString(token) || !utf8.ValidString(password) {
			t.Skip("the API refuses text that is not UTF-8")
		}
		doc, _ := json.Marshal(map[string]any{"url": rawURL, "bearer_token": token, "step": "15s",
			"basic_auth": map[string]any{"username": "u", "password": password}, "headers": map[string]string{"X-Key": token}})
		shown := string(redactDoc(doc))
		var got struct {
			URL         string                              `json:"url"`
			BearerToken string                              `json:"bearer_token"`
			Step        string                              `json:"step"`
			BasicAuth   struct{ Username, Password string } `json:"basic_auth"`
			Headers     map[string]string
		}
		if err := json.Unmarshal([]byte(shown), &got); err != nil {
			t.Fatal(err)
		}
		if got.URL != redactURL("", rawURL) || got.Step != "15s" || got.BasicAuth.Username != "u" {
			t.Fatalf("redacted %s as %s", doc, shown)
		}
		for _, secret := range []string{token, password} {
			if len(secret) > 3 && strings.Contains(shown, secret) && !strings.Contains("15s(set)u", secret) {
				t.Fatalf("%q shown in %s", secret, shown)
			}
		}
		back, err := restoreURLs([]byte(`{"url":`+strconv.Quote(got.URL)+`}`), doc, "config")
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		var restored struct{ URL string }
		if err := json.Unmarshal(back, &restored); err != nil || restored.URL != rawURL {
			t.Fatalf("restored %s, want url %q", back, rawURL)
		}
		if _, err := restoreURLs([]byte(`{"url":"https://elsewhere.example?(redacted)"}`), doc, "config"); err == nil ||
			!strings.Contains(err.Error(), "config.url") {
			t.Fatalf("a redacted URL of another source: %v", err)
		}
	})
}
