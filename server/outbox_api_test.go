package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
)

type outboxPage struct {
	Messages   []outbox.Entry `json:"messages"`
	NextCursor string         `json:"next_cursor"`
}

// TestDeadLettersInAPIAndMetrics: pages to a sink that answers 410 Gone die
// at once; they are listed newest first (keyset pages) with their error,
// counted by the dead gauge on /metrics, readable with a read token, and an
// admin (not a reader) can retry one, which is audited.
func TestDeadLettersInAPIAndMetrics(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		reg := prometheus.NewRegistry()
		c := newClock()
		h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI, Auth: true, AdminTokenHash: server.HashToken("boot-secret")},
			server.Deps{Store: st, Registry: reg, Now: c.Now})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		admin := []string{"Authorization", "Bearer boot-secret"}
		gone := newSinkServer(t, 410)
		mustStatus(t, call(t, srv, "PUT", "/v1/services/dl/policy",
			testPolicy(5, `,"notify":[{"kind":"webhook","url":"`+gone.URL+`/gone"}]`), admin...), 201)
		var releases []string
		for i := range 3 {
			r := call(t, srv, "POST", "/v1/releases", fmt.Sprintf(`{"service":"dl","target":"t%d","version":"v2","baseline_version":"v1",
				"migrations":[{"id":"9","compat":"incompatible"}]}`, i), admin...)
			mustStatus(t, r, 201)
			id := decode[store.Release](t, r).ID
			releases = append(releases, id)
			mustStatus(t, call(t, srv, "POST", "/v1/releases/"+id+"/analyses", erroring(5), admin...), 200)
		}
		d := notify.New(st, notify.Options{Now: c.Now, Registerer: reg})
		for range 3 { // one sink: one message per tick
			if _, err := d.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		r := call(t, srv, "POST", "/v1/tokens", `{"name":"viewer","scopes":["read"]}`, admin...)
		mustStatus(t, r, 201)
		reader := []string{"Authorization", "Bearer " + decode[map[string]any](t, r)["token"].(string)}

		first := decode[outboxPage](t, call(t, srv, "GET", "/v1/outbox?state=dead&limit=2", nil, reader...))
		if len(first.Messages) != 2 || first.NextCursor == "" || first.Messages[0].ReleaseID != releases[2] ||
			first.Messages[0].State != "dead" || !strings.Contains(first.Messages[0].LastError, "HTTP 410") {
			t.Fatalf("first page = %+v", first)
		}
		rest := decode[outboxPage](t, call(t, srv, "GET", "/v1/outbox?state=dead&limit=2&cursor="+first.NextCursor, nil, reader...))
		if len(rest.Messages) != 1 || rest.Messages[0].ReleaseID != releases[0] || rest.NextCursor != "" {
			t.Fatalf("second page = %+v", rest)
		}
		assertDeadGauge(t, srv, 3, reader...)
		for q, field := range map[string]string{"state=lost": "state", "limit=0": "limit", "cursor=!!!": "cursor", "service=A%20B": "service"} {
			r := call(t, srv, "GET", "/v1/outbox?"+q, nil, reader...)
			if r.StatusCode != 400 || problemOf(t, r).Errors[0].Field != field {
				t.Errorf("GET /v1/outbox?%s = %d %s; want 400 naming %s", q, r.StatusCode, r.Body, field)
			}
		}

		id := fmt.Sprint(rest.Messages[0].ID)
		mustStatus(t, call(t, srv, "POST", "/v1/outbox/"+id+"/retry", nil, reader...), 403)
		r = call(t, srv, "POST", "/v1/outbox/"+id+"/retry", nil, admin...)
		mustStatus(t, r, 200)
		if e := decode[outbox.Entry](t, r); e.State != "pending" || e.Attempts != 0 || e.NextAttemptAt == nil {
			t.Fatalf("retried message = %+v", e)
		}
		mustStatus(t, call(t, srv, "POST", "/v1/outbox/"+id+"/retry", nil, admin...), 409)
		mustStatus(t, call(t, srv, "POST", "/v1/outbox/999999/retry", nil, admin...), 404)
		mustStatus(t, call(t, srv, "POST", "/v1/outbox/x1/retry", nil, admin...), 400)
		assertDeadGauge(t, srv, 2, reader...)
		audit := decode[map[string][]store.AuditEntry](t, call(t, srv, "GET", "/v1/releases/"+releases[0]+"/audit", nil, reader...))["entries"]
		if last := audit[len(audit)-1]; last.Action != "outbox:retry" || last.Actor == "" {
			t.Fatalf("audit does not end with the retry: %+v", last)
		}
	})
}

func assertDeadGauge(t *testing.T, srv *httptest.Server, want int, header ...string) {
	t.Helper()
	r := call(t, srv, "GET", "/metrics", nil, header...)
	line := fmt.Sprintf(`canaryjudge_outbox_messages{state="dead"} %d`, want)
	if !strings.Contains(string(r.Body), line+"\n") {
		t.Errorf("/metrics lacks %q", line)
	}
}
