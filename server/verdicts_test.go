package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestVerdictHistoryPages: newest first, pages join without gaps or
// duplicates, since/until filter.
func TestVerdictHistoryPages(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "hist", testPolicy(2, ""))
		var ids []string
		for i := range 3 {
			rel := createRelease(t, s, "hist", []string{"a", "b", "c"}[i], "")
			for j := range 3 {
				s.clock.Advance(5 * time.Minute)
				analyze(t, s, rel.ID, healthy(uint64(10*i+j)))
			}
			ids = append(ids, rel.ID)
		}
		var all []store.Verdict
		cursor := ""
		for page := 0; ; page++ {
			q := "/v1/services/hist/verdicts?limit=4"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			r := call(t, s.srv, "GET", q, nil)
			mustStatus(t, r, 200)
			var body struct {
				Verdicts []store.Verdict `json:"verdicts"`
				Next     string          `json:"next_cursor"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			all = append(all, body.Verdicts...)
			if cursor = body.Next; cursor == "" || page > 5 {
				break
			}
		}
		if len(all) != 9 {
			t.Fatalf("got %d verdicts over pages, want 9", len(all))
		}
		seen := map[int64]bool{}
		for i, v := range all {
			if seen[v.AnalysisID] || (i > 0 && v.At.After(all[i-1].At)) {
				t.Fatalf("row %d out of order or repeated: %+v", i, v)
			}
			seen[v.AnalysisID] = true
		}
		if all[0].ReleaseID != ids[2] || all[0].Action != "promote" || all[8].Reason != "bake_incomplete" {
			t.Fatalf("newest %+v / oldest %+v", all[0], all[8])
		}
		since := all[2].At.Format(time.RFC3339Nano)
		r := call(t, s.srv, "GET", "/v1/services/hist/verdicts?since="+url.QueryEscape(since), nil)
		if n := len(decode[map[string][]any](t, r)["verdicts"]); n != 3 {
			t.Fatalf("since filter returned %d, want 3", n)
		}
		mustStatus(t, call(t, s.srv, "GET", "/v1/services/nobody/verdicts", nil), 404)
	})
}

// TestEscalationPagesThroughOutbox: an escalation writes a page to the
// outbox with the decision, and the dispatcher delivers it, signed.
func TestEscalationPagesThroughOutbox(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		var mu sync.Mutex
		var got []notify.WebhookPayload
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			var p notify.WebhookPayload
			_ = json.Unmarshal(b, &p)
			mu.Lock()
			got = append(got, p)
			mu.Unlock()
		}))
		defer hook.Close()
		s := newStack(t, st, nil)
		setupService(t, s, "pager", testPolicy(2, `,"notify":[{"kind":"webhook","url":"`+hook.URL+`","secret":"k"}]`))
		rel := createRelease(t, s, "pager", "default", `[{"id":"9","compat":"incompatible"}]`)
		if o := analyze(t, s, rel.ID, erroring(5)); o.Decision.Action != "escalate" {
			t.Fatalf("%+v", o.Decision)
		}
		d := notify.New(st, notify.Options{Now: s.clock.Now})
		if n, err := d.Tick(context.Background()); err != nil || n != 1 {
			t.Fatalf("delivered %d, %v", n, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0].Kind != "page" || got[0].ReleaseID != rel.ID {
			t.Fatalf("webhook got %+v", got)
		}
	})
}
