package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

type auditPage struct {
	Entries    []store.AuditEntry `json:"entries"`
	NextCursor string             `json:"next_cursor"`
}

// readAll follows next_cursor from path (which has a query) to the end.
func readAll(t *testing.T, s stack, path string) (all []store.AuditEntry, pages int) {
	t.Helper()
	next := path
	for {
		r := call(t, s.srv, "GET", next, nil)
		mustStatus(t, r, 200)
		p := decode[auditPage](t, r)
		all, pages = append(all, p.Entries...), pages+1
		if p.NextCursor == "" {
			return all, pages
		}
		next = path + "&cursor=" + p.NextCursor
	}
}

// TestAuditPaged: a release with 521 audit entries reads back whole, by
// pages, oldest first, its create entry included; nothing is dropped.
func TestAuditPaged(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "chatty", testPolicy(1000, ""))
		id := createRelease(t, s, "chatty", "default", "").ID
		analyze(t, s, id, erroring(1)) // rolling back; each repeated rollback_started is audited
		for range 519 {
			mustStatus(t, call(t, s.srv, "POST", "/v1/releases/"+id+"/events", `{"type":"rollback_started"}`), 200)
		}
		all, pages := readAll(t, s, "/v1/releases/"+id+"/audit?limit=100")
		if len(all) != 521 || pages != 6 || all[0].Action != "release:create" {
			t.Fatalf("%d entries in %d pages, first %q; want 521 in 6, release:create first", len(all), pages, all[0].Action)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID <= all[i-1].ID {
				t.Fatalf("entry %d (id %d) is not after entry %d (id %d)", i, all[i].ID, i-1, all[i-1].ID)
			}
		}
		def := decode[auditPage](t, call(t, s.srv, "GET", "/v1/releases/"+id+"/audit", nil))
		if len(def.Entries) != 50 || def.NextCursor == "" {
			t.Fatalf("default page: %d entries, cursor %q; want 50 and a cursor", len(def.Entries), def.NextCursor)
		}
		exact := decode[auditPage](t, call(t, s.srv, "GET", "/v1/releases/"+id+"/audit?limit=500&cursor="+def.NextCursor, nil))
		if len(exact.Entries) != 471 || exact.NextCursor != "" {
			t.Fatalf("last page: %d entries, cursor %q; want 471 and none", len(exact.Entries), exact.NextCursor)
		}
		for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=!!"} {
			if r := call(t, s.srv, "GET", "/v1/releases/"+id+"/audit?"+q, nil); r.StatusCode != 400 {
				t.Errorf("audit?%s: %d, want 400", q, r.StatusCode)
			}
		}
	})
}

// TestChangesAuditedWithActor: policy, freeze and token changes are in
// the audit log (GET /v1/audit, newest first) with who made them; the
// policy's secrets are not copied there.
func TestChangesAuditedWithActor(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		srv := authServer(t, st, nil)
		oncall := newToken(t, srv, `{"name":"oncall","scopes":["operator"]}`)
		mustStatus(t, call(t, srv, "PUT", "/v1/services/shop/policy", testPolicy(2, `,"notify":[{"kind":"webhook","url":"https://h.example/x","secret":"s3cr3t-value"}]`), admin...), 201)
		mustStatus(t, call(t, srv, "PUT", "/v1/freezes/service:shop", `{"reason":"incident 9"}`, oncall...), 200)
		mustStatus(t, call(t, srv, "DELETE", "/v1/freezes/service:shop", nil, oncall...), 204)
		r := call(t, srv, "GET", "/v1/audit?service=shop", nil, admin...)
		mustStatus(t, r, 200)
		log := decode[auditPage](t, r).Entries
		got := ""
		for _, e := range log {
			got += fmt.Sprintf("%s by %s; ", e.Action, e.Actor)
		}
		if want := "freeze:delete by token:oncall; freeze:put by token:oncall; policy:put by token:bootstrap-admin; "; got != want {
			t.Fatalf("audit of shop = %s, want %s", got, want)
		}
		if all := call(t, srv, "GET", "/v1/audit?detail=full", nil, admin...); strings.Contains(string(all.Body), "s3cr3t-value") {
			t.Fatalf("the audit log copies a sink secret: %s", all.Body)
		}
	})
}
