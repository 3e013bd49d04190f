package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// newClassifyingStack is newStack with the real SQL classifier, as
// `canaryjudge serve` wires it.
func newClassifyingStack(t *testing.T, st store.Full) stack {
	t.Helper()
	c := newClock()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI},
		server.Deps{Store: st, Registry: prometheus.NewRegistry(), Now: c.Now, Classifier: sqlcheck.Classifier{}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return stack{srv: srv, h: h, clock: c}
}

// hookPages collects what a webhook sink receives.
type hookPages struct {
	mu  sync.Mutex
	got []notify.WebhookPayload
}

func (p *hookPages) server(t *testing.T) *httptest.Server {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m notify.WebhookPayload
		_ = json.Unmarshal(b, &m)
		p.mu.Lock()
		p.got = append(p.got, m)
		p.mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	return hook
}

// ceilingBreach: the canary's error ratio (mean 0.2) is far above the
// policy's ceiling of 0.05: a critical breach rolls back in one window.
const ceilingBreach = `{"canary":{"latency_p99":[120,121,119,122,120,118,121,120,119,122],"error_ratio":[0.2,0.21,0.19,0.2,0.2,0.22,0.18,0.2,0.2,0.2]},
 "baseline":{"latency_p99":[120,119,121,120,122,118,120,121,119,120],"error_ratio":[0,0.001,0,0,0.001,0,0,0,0.001,0]}}`

// TestMigrationGateEndToEnd: over HTTP, with the real classifier, a failing
// canary whose release renames a column escalates (migration_incompatible),
// gives no rollback instruction and hookPages naming the statement; the same
// release with an expand-only migration rolls back to its baseline.
func TestMigrationGateEndToEnd(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		var p hookPages
		hook := p.server(t)
		s := newClassifyingStack(t, st)
		setupService(t, s, "billing", testPolicy(5, `,"notify":[{"kind":"webhook","url":"`+hook.URL+`","secret":"k"}]`))

		rename := `-- +goose Up\nSET lock_timeout = '2s';\nALTER TABLE invoices RENAME COLUMN total TO amount;\n-- +goose Down\nALTER TABLE invoices RENAME COLUMN amount TO total;\n`
		rel := createRelease(t, s, "billing", "eu", `[{"id":"0042_rename_total","sql":"`+rename+`"}]`)
		if m := rel.Migrations[0]; m.Classified != "incompatible" || len(m.Blocking) != 1 || m.Blocking[0].Rule != "rename-column" {
			t.Fatalf("release migration not classified: %+v", m)
		}
		o := analyze(t, s, rel.ID, ceilingBreach)
		d := o.Decision
		if d.Action != "escalate" || d.Reason != "migration_incompatible" || d.State != "halted" || d.RollbackTo != "" {
			t.Fatalf("incompatible migration: %+v", d)
		}
		for _, want := range []string{"0042_rename_total", "ALTER TABLE invoices RENAME COLUMN total TO amount", "rename-column", "line 3"} {
			if !strings.Contains(d.Message, want) {
				t.Errorf("decision message lacks %q: %s", want, d.Message)
			}
		}
		ev, _ := json.Marshal(d.Evidence["guard"])
		if !strings.Contains(string(ev), `"rule":"rename-column"`) || !strings.Contains(string(ev), `"reason":"the previous release names the old column`) {
			t.Errorf("evidence lacks the blocking statement's rule and reason: %s", ev)
		}
		if n, err := notify.New(st, notify.Options{Now: s.clock.Now}).Tick(context.Background()); err != nil || n != 1 {
			t.Fatalf("delivered %d hookPages, %v", n, err)
		}
		p.mu.Lock()
		page := p.got[0]
		p.mu.Unlock()
		if page.Kind != "page" || !strings.Contains(page.Summary, "RENAME COLUMN total TO amount") || !strings.Contains(page.Summary, "rename-column") {
			t.Errorf("page does not name the statement and rule: %+v", page)
		}

		add := `-- +goose Up\nALTER TABLE invoices ADD COLUMN note text;\n-- +goose Down\nALTER TABLE invoices DROP COLUMN note;\n`
		rel = createRelease(t, s, "billing", "us", `[{"id":"0043_add_note","sql":"`+add+`"}]`)
		if rel.Migrations[0].Classified != "expand" {
			t.Fatalf("expand migration classified %+v", rel.Migrations[0])
		}
		if d := analyze(t, s, rel.ID, ceilingBreach).Decision; d.Action != "rollback" || d.Reason != "critical_ceiling" || d.RollbackTo != "v1" {
			t.Fatalf("expand-only migration must roll back: %+v", d)
		}
	})
}

// TestMigrationCheckEndpoint: POST /v1/migrations/check answers what the
// CLI answers, and rejects bad input with problem+json naming the field.
func TestMigrationCheckEndpoint(t *testing.T) {
	st := memory.New()
	s := newClassifyingStack(t, st)
	r := call(t, s.srv, "POST", "/v1/migrations/check", `{"sql":"ALTER TABLE users DROP COLUMN fax; CREATE INDEX i ON users (x)"}`)
	mustStatus(t, r, 200)
	var got struct {
		Class      string `json:"class"`
		NeedsHuman bool   `json:"needs_human"`
		Findings   []struct{ Rule, Class string }
		Warnings   []struct{ Rule string }
	}
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Class != "contract" || !got.NeedsHuman || len(got.Findings) != 2 || got.Findings[0].Rule != "drop-column" || len(got.Warnings) == 0 {
		t.Fatalf("check: %s", r.Body)
	}
	r = call(t, s.srv, "POST", "/v1/migrations/check", `{"sql":"SELEC 1"}`)
	if mustStatus(t, r, 200); !strings.Contains(string(r.Body), `"class":"unknown"`) || !strings.Contains(string(r.Body), `syntax error at or near`) {
		t.Fatalf("parse error: %s", r.Body)
	}
	for _, c := range []struct {
		body   string
		status int
		field  string
	}{
		{`{}`, 400, "sql"},
		{`{"sql":"  "}`, 400, "sql"},
		{`{"sql":1}`, 400, "sql"},
		{`{"sql":"SELECT 1","extra":true}`, 400, "extra"},
		{`{"sql":"SELECT 1;\u0000DROP TABLE users"}`, 400, "sql"},
		{"{\"sql\":\"SELECT '\xff'\"}", 400, "sql"}, // invalid UTF-8: the central text check names the field
		{`{"sql":"` + strings.Repeat("x", 300<<10) + `"}`, 400, "sql"},
		{`{"sql":`, 400, "body"},
	} {
		r := call(t, s.srv, "POST", "/v1/migrations/check", c.body)
		if r.StatusCode != c.status || !hasField(problemOf(t, r).Errors, c.field) {
			t.Errorf("%.50q: %d %s, want %d naming %s", c.body, r.StatusCode, r.Body, c.status, c.field)
		}
	}
	plain := newStack(t, st, nil) // no classifier wired
	if r := call(t, plain.srv, "POST", "/v1/migrations/check", `{"sql":"SELECT 1"}`); r.StatusCode != 501 {
		t.Errorf("without a classifier: %d %s", r.StatusCode, r.Body)
	}
}

// TestMigrationCheckLongSQL: POST /v1/migrations/check takes SQL up to
// engine.MaxMigrationSQL, not the 1 KB every other string gets; past it
// the central text check refuses the body before it is decoded, naming
// sql.
func TestMigrationCheckLongSQL(t *testing.T) {
	s := newClassifyingStack(t, memory.New())
	var sql strings.Builder
	for i := 0; sql.Len() < 10<<10; i++ {
		fmt.Fprintf(&sql, "CREATE TABLE t%d (id int);\n", i)
	}
	body, err := json.Marshal(map[string]string{"sql": sql.String()})
	if err != nil {
		t.Fatal(err)
	}
	r := call(t, s.srv, "POST", "/v1/migrations/check", string(body))
	mustStatus(t, r, 200)
	var got struct {
		Class    string `json:"class"`
		Findings []struct{ Rule, Class string }
	}
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Class == "unknown" || got.Class == "" {
		t.Fatalf("a %d-byte migration of CREATE TABLEs: %.300s", sql.Len(), r.Body)
	}

	n := engine.MaxMigrationSQL + 1
	r = call(t, s.srv, "POST", "/v1/migrations/check", `{"sql":"`+strings.Repeat("x", n)+`"}`)
	want := judge.FieldError{Field: "sql", Message: fmt.Sprintf("must be at most %d bytes (it has %d)", engine.MaxMigrationSQL, n)}
	if p := problemOf(t, r); r.StatusCode != 400 || !slices.Contains(p.Errors, want) {
		t.Fatalf("%d bytes of SQL: %d %s, want 400 with %+v", n, r.StatusCode, r.Body, want)
	}
}

// TestReleaseSQLWithoutClassifier: a server with no classifier never lets
// SQL pass unread; release validation names each bad migration field.
func TestReleaseSQLWithoutClassifier(t *testing.T) {
	s := newStack(t, memory.New(), nil) // no classifier wired
	setupService(t, s, "shop", testPolicy(5, ""))
	rel := createRelease(t, s, "shop", "a", `[{"id":"1","compat":"expand","sql":"ALTER TABLE t ADD COLUMN c int"}]`)
	if m := rel.Migrations[0]; m.Classified != "unknown" || len(m.Blocking) != 1 || m.Blocking[0].Rule != "unclassified" {
		t.Fatalf("unread SQL: %+v", m)
	}
	if d := analyze(t, s, rel.ID, ceilingBreach).Decision; d.Action != "escalate" || d.Reason != "migration_incompatible" {
		t.Fatalf("unread SQL must escalate: %+v", d)
	}
	for _, c := range []struct{ migrations, field string }{
		{`[{"id":"1"}]`, "migrations[0].compat"},
		{`[{"id":"1","compat":"unknown"}]`, "migrations[0].compat"},
		{`[{"id":"1","sql":"SELECT 1;\u0000"}]`, "migrations[0].sql"},
		{`[{"id":"1","sql":"` + strings.Repeat("x", 300<<10) + `"}]`, "migrations[0].sql"},
		{`[{"id":"1","compat":"expand","classified":"expand"}]`, "migrations[0].classified"},
		{`[{"id":"1","compat":"expand","blocking":[]}]`, "migrations[0].classified"},
	} {
		r := call(t, s.srv, "POST", "/v1/releases", `{"service":"shop","target":"b","version":"v2","baseline_version":"v1","migrations":`+c.migrations+`}`)
		if r.StatusCode != 400 || !hasField(problemOf(t, r).Errors, c.field) {
			t.Errorf("%.60s: %d %s, want 400 naming %s", c.migrations, r.StatusCode, r.Body, c.field)
		}
	}
}
