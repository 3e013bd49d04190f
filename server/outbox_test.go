package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
)

// Credentials a policy carries; none may ever be read back, stored outside
// the policy, or logged.
const (
	hookSecret = "whsec-5eKr1t-ABCDEF"
	queryToken = "QTOKEN-9f8e7d"
	pdKey      = "PDKEY0123456789abcdef0123456789ab"
	slackToken = "SLACKTOKEN-XyZ123"
)

var credentials = []string{hookSecret, queryToken, pdKey, slackToken}

// secretSinks is a notify list with a signed webhook (token in its query),
// a PagerDuty sink and a Slack sink, all on base.
func secretSinks(base string) string {
	return fmt.Sprintf(`,"notify":[
	  {"kind":"webhook","url":"%s/hook?token=%s","secret":%q},
	  {"kind":"pagerduty","url":"%s/pd","routing_key":%q},
	  {"kind":"slack","url":"%s/services/T000/B000/%s"}]`, base, queryToken, hookSecret, base, pdKey, base, slackToken)
}

func assertNoCredentials(t *testing.T, what string, text []byte) {
	t.Helper()
	for _, c := range credentials {
		if bytes.Contains(text, []byte(c)) {
			t.Errorf("%s contains the credential %q:\n%s", what, c, text)
		}
	}
}

type policyView struct {
	Version int `json:"version"`
	Policy  struct {
		Notify []struct {
			Kind       string `json:"kind"`
			URL        string `json:"url"`
			Secret     string `json:"secret"`
			RoutingKey string `json:"routing_key"`
		} `json:"notify"`
	} `json:"policy"`
}

// TestPolicySecretsAreWriteOnly: GET and PUT answers redact credentials; a
// policy read back and PUT unchanged keeps them; a placeholder sent for
// another sink, another URL or a new service is refused, naming the field.
func TestPolicySecretsAreWriteOnly(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		const base = "https://hooks.example"
		r := call(t, s.srv, "PUT", "/v1/services/sec/policy", testPolicy(2, secretSinks(base)))
		mustStatus(t, r, 201)
		assertNoCredentials(t, "PUT answer", r.Body)
		r = call(t, s.srv, "GET", "/v1/services/sec/policy", nil)
		mustStatus(t, r, 200)
		assertNoCredentials(t, "GET policy", r.Body)
		got := decode[policyView](t, r).Policy.Notify
		want := []string{base + "/hook?(redacted) (set) ", base + "/pd  (set)", base + "/(redacted)  "}
		for i, w := range want {
			if g := got[i].URL + " " + got[i].Secret + " " + got[i].RoutingKey; g != w {
				t.Errorf("sink %d read back as %q, want %q", i, g, w)
			}
		}
		// Read, change something else, write back: the credentials stay.
		var doc map[string]any
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatal(err)
		}
		pol := doc["policy"].(map[string]any)
		pol["guards"].(map[string]any)["rollback_timeout"] = "20m"
		back, _ := json.Marshal(pol)
		mustStatus(t, call(t, s.srv, "PUT", "/v1/services/sec/policy", back), 200)
		rec, err := st.GetPolicy(context.Background(), "sec")
		if err != nil || rec.Version != 2 || rec.Policy.Guards.RollbackTimeout.Minutes() != 20 {
			t.Fatalf("stored %+v, %v", rec, err)
		}
		n := rec.Policy.Notify
		if n[0].Secret != hookSecret || !strings.Contains(n[0].URL, queryToken) || n[1].RoutingKey != pdKey || !strings.HasSuffix(n[2].URL, slackToken) {
			t.Fatalf("credentials not kept: %+v", n)
		}
		refused := []struct{ name, body, field string }{
			{"secret for a new url", strings.Replace(string(back), base+"/hook?(redacted)", "https://evil.example/hook", 1), "notify[0].secret"},
			{"routing key for a new url", strings.Replace(string(back), base+"/pd", "https://evil.example/pd", 1), "notify[1].routing_key"},
			{"redacted slack url elsewhere", strings.Replace(string(back), `"kind":"slack"`, `"kind":"webhook"`, 1), "notify[2].url"},
		}
		for _, tc := range refused {
			r := call(t, s.srv, "PUT", "/v1/services/sec/policy", tc.body)
			if r.StatusCode != 400 || !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s; want 400 naming %s", tc.name, r.StatusCode, r.Body, tc.field)
			}
		}
		r = call(t, s.srv, "PUT", "/v1/services/fresh/policy", back)
		if r.StatusCode != 400 || !strings.Contains(string(r.Body), "notify[0].secret") {
			t.Errorf("placeholders for a new service: %d %s", r.StatusCode, r.Body)
		}
		if rec, _ := st.GetPolicy(context.Background(), "sec"); rec.Version != 2 {
			t.Errorf("a refused PUT stored version %d", rec.Version)
		}
	})
}

// sinkServer answers every sink at its path and verifies webhook signatures
// with the secret the policy was given.
type sinkServer struct {
	*httptest.Server
	mu       sync.Mutex
	paths    []string
	verified int
}

func newSinkServer(t *testing.T, status int) *sinkServer {
	s := &sinkServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(notify.HeaderTimestamp), 10, 64)
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		if notify.Verify(hookSecret, r.Header.Get(notify.HeaderSignature), ts, body) {
			s.verified++
		}
		s.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

// TestSecretsNeverInOutboxOrLogs: an escalation pages three sinks through
// the outbox on PostgreSQL. The outbox tables, the logs and the outbox API
// hold none of the credentials, yet the dispatcher reaches every sink and
// signs with the policy's secret (it resolves the sink at delivery).
func TestSecretsNeverInOutboxOrLogs(t *testing.T) {
	st := pgtest.Open(t)
	sinks := newSinkServer(t, 200)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClock()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Logger: logger, Registry: prometheus.NewRegistry(), Now: c.Now})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := stack{srv: srv, h: h, clock: c}
	setupService(t, s, "sec", testPolicy(2, secretSinks(sinks.URL)))
	rel := createRelease(t, s, "sec", "default", `[{"id":"9","compat":"incompatible"}]`)
	if o := analyze(t, s, rel.ID, erroring(5)); o.Decision.Action != "escalate" {
		t.Fatalf("%+v", o.Decision)
	}
	var rows string
	if err := st.Pool().QueryRow(context.Background(), `SELECT (SELECT json_agg(o)::text FROM outbox o) || (SELECT json_agg(s)::text FROM outbox_sinks s)`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rows, `"policy_version":1`) || strings.Count(rows, `"kind":"page"`) != 3 {
		t.Fatalf("outbox rows do not reference the three sinks: %s", rows)
	}
	assertNoCredentials(t, "outbox tables", []byte(rows))
	if strings.Contains(rows, sinks.URL) {
		t.Errorf("outbox tables hold a sink URL: %s", rows)
	}
	d := notify.New(st, notify.Options{Now: c.Now, Logger: logger})
	if n, err := d.Tick(context.Background()); n != 3 || err != nil {
		t.Fatalf("delivered %d, %v; want 3", n, err)
	}
	sinks.mu.Lock()
	defer sinks.mu.Unlock()
	if len(sinks.paths) != 3 || sinks.verified != 1 {
		t.Fatalf("sinks got %v, %d signature(s) verified with the policy's secret; want 3 requests, 1 verified", sinks.paths, sinks.verified)
	}
	r := call(t, srv, "GET", "/v1/outbox", nil)
	mustStatus(t, r, 200)
	assertNoCredentials(t, "GET /v1/outbox", r.Body)
	assertNoCredentials(t, "logs", logs.Bytes())
	if !strings.Contains(logs.String(), "outcome=delivered") {
		t.Errorf("logs do not show the deliveries:\n%s", logs.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}
func (s *syncBuffer) String() string { return string(s.Bytes()) }
