package notify

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

func TestWebhookDelivers(t *testing.T) {
	srv := newRecorder(t, 200)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL, Secret: "s3cret"}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink), page(0, sink)) // ids 1 and 2; 2 waits behind 1
	d, _, reg := testDispatcher(t, ob, nil)

	n, err := d.Tick(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Tick = %d, %v; want 1, nil", n, err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	jsonEqual(t, r.Body, `{"id":1,"release_id":"r-123","service":"payments","target":"eu-west",
		"kind":"page","summary":"2 automatic rollbacks in 1h; a human must decide",
		"severity":"critical","details":`+details+`,"created_at":"2026-03-14T12:00:00Z"}`)
	for h, want := range map[string]string{
		"Content-Type":    "application/json",
		HeaderTimestamp:   strconv.FormatInt(t0.Unix(), 10),
		HeaderIdempotency: "1",
		HeaderSignature:   Sign("s3cret", t0.Unix(), r.Body),
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	ts, _ := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
	if !Verify("s3cret", r.Header.Get(HeaderSignature), ts, r.Body) {
		t.Error("signature does not verify")
	}
	if e := entry(t, ob, 1); e.State != outbox.StateDelivered || e.DeliveredAt == nil || !e.DeliveredAt.Equal(t0) {
		t.Errorf("message 1 = %+v, want delivered at t0", e)
	}
	if got := counter(t, reg, outbox.SinkWebhook, outcomeDelivered); got != 1 {
		t.Errorf("delivered counter = %v, want 1", got)
	}
}

func TestWebhookWithoutSecretIsUnsigned(t *testing.T) {
	srv := newRecorder(t, 204)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, _, _ := testDispatcher(t, ob, nil)
	if n, err := d.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	if h := srv.requests()[0].Header; h.Get(HeaderSignature) != "" || h.Get(HeaderTimestamp) == "" {
		t.Errorf("headers = %v; want a timestamp and no signature", h)
	}
}

func TestPagerDutyTrigger(t *testing.T) {
	srv := newRecorder(t, 202)
	srv.body = `{"status":"success","message":"Event processed","dedup_key":"r-123"}`
	sink := judge.Sink{Kind: outbox.SinkPagerDuty, URL: srv.URL, RoutingKey: "R0UT1NG"}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, _, _ := testDispatcher(t, ob, func(o *Options) { o.Source = "canaryjudge-prod" })

	if n, err := d.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	jsonEqual(t, srv.requests()[0].Body, `{
		"routing_key": "R0UT1NG",
		"event_action": "trigger",
		"dedup_key": "r-123",
		"payload": {
			"summary": "2 automatic rollbacks in 1h; a human must decide",
			"source": "canaryjudge-prod",
			"severity": "critical",
			"timestamp": "2026-03-14T12:00:00Z",
			"custom_details": `+details+`
		}
	}`)
}

func TestPagerDutyResolve(t *testing.T) {
	srv := newRecorder(t, 202)
	sink := judge.Sink{Kind: outbox.SinkPagerDuty, URL: srv.URL, RoutingKey: "R0UT1NG"}
	m := page(0, sink)
	m.Kind = outbox.KindResolve
	ob := newOutbox(t, sink)
	enqueue(t, ob, m)
	d, _, _ := testDispatcher(t, ob, nil)
	if n, err := d.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	jsonEqual(t, srv.requests()[0].Body,
		`{"routing_key":"R0UT1NG","event_action":"resolve","dedup_key":"r-123"}`)
}

func TestPagerDutyInfoIsSkipped(t *testing.T) {
	srv := newRecorder(t, 202)
	sink := judge.Sink{Kind: outbox.SinkPagerDuty, URL: srv.URL, RoutingKey: "R0UT1NG"}
	m := page(0, sink)
	m.Kind = outbox.KindInfo
	ob := newOutbox(t, sink)
	enqueue(t, ob, m)
	d, _, reg := testDispatcher(t, ob, nil)
	if n, err := d.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	if len(srv.requests()) != 0 {
		t.Error("info message was sent to PagerDuty")
	}
	if entry(t, ob, 1).State != outbox.StateDelivered || counter(t, reg, outbox.SinkPagerDuty, outcomeSkipped) != 1 {
		t.Error("info message not marked delivered as skipped")
	}
}

func TestPagerDutyPayloadLimits(t *testing.T) {
	s := pagerDutySender{source: "cj"}
	m := page(0, judge.Sink{})
	m.Summary = strings.Repeat("é", 2000)
	m.Severity = "sev1"
	p := s.payload(m)
	if n := len([]rune(p.Summary)); n != pdSummaryMax || !strings.HasSuffix(p.Summary, "...") {
		t.Errorf("summary has %d runes (suffix %q), want %d ending in ...", n, p.Summary[len(p.Summary)-3:], pdSummaryMax)
	}
	if p.Severity != outbox.SeverityError {
		t.Errorf("severity %q, want error for an unknown one", p.Severity)
	}
	m.Summary = ""
	if got := s.payload(m).Summary; got != "payments/eu-west release r-123 needs a human" {
		t.Errorf("default summary %q", got)
	}
}

func TestSlackDelivers(t *testing.T) {
	srv := newRecorder(t, 200)
	sink := judge.Sink{Kind: outbox.SinkSlack, URL: srv.URL}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, _, _ := testDispatcher(t, ob, nil)
	if n, err := d.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	jsonEqual(t, srv.requests()[0].Body,
		`{"text":"[PAGE] payments/eu-west release r-123: escalate (rollback_cap) — 2 automatic rollbacks in 1h; a human must decide"}`)
}

func TestSlackText(t *testing.T) {
	base := outbox.Message{ReleaseID: "r-9", Service: "api", Target: "us", Kind: outbox.KindResolve}
	tests := []struct {
		name string
		edit func(*outbox.Message)
		want string
	}{
		{"no details", func(*outbox.Message) {}, "[RESOLVE] api/us release r-9"},
		{"action without reason", func(m *outbox.Message) { m.Details = json.RawMessage(`{"action":"promote"}`) },
			"[RESOLVE] api/us release r-9: promote"},
		{"bad details ignored", func(m *outbox.Message) { m.Details = json.RawMessage(`[1`); m.Summary = "x" },
			"[RESOLVE] api/us release r-9 — x"},
		{"no target", func(m *outbox.Message) { m.Target = "" }, "[RESOLVE] api release r-9"},
		{"escaped and one line", func(m *outbox.Message) { m.Kind = outbox.KindInfo; m.Summary = "p99 <2s>\n& @here" },
			"[INFO] api/us release r-9 — p99 &lt;2s&gt; &amp; @here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base
			tt.edit(&m)
			if got := SlackText(m); got != tt.want {
				t.Errorf("SlackText = %q\n           want %q", got, tt.want)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":1}`)
	sig := Sign("k", 1700000000, body)
	if want := "sha256=" + strings.Repeat("x", 64); len(sig) != len(want) || !strings.HasPrefix(sig, "sha256=") {
		t.Fatalf("Sign = %q, want sha256= and 64 hex digits", sig)
	}
	tests := []struct {
		name   string
		secret string
		header string
		ts     int64
		body   string
		want   bool
	}{
		{"valid", "k", sig, 1700000000, `{"id":1}`, true},
		{"upper-case hex", "k", "sha256=" + strings.ToUpper(sig[7:]), 1700000000, `{"id":1}`, true},
		{"wrong secret", "k2", sig, 1700000000, `{"id":1}`, false},
		{"other timestamp", "k", sig, 1700000001, `{"id":1}`, false},
		{"tampered body", "k", sig, 1700000000, `{"id":2}`, false},
		{"no prefix", "k", sig[7:], 1700000000, `{"id":1}`, false},
		{"not hex", "k", "sha256=zz", 1700000000, `{"id":1}`, false},
		{"empty secret never verifies", "", Sign("", 1700000000, body), 1700000000, `{"id":1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.secret, tt.header, tt.ts, []byte(tt.body)); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}
