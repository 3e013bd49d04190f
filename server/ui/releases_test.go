package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

var (
	releaseLink = regexp.MustCompile(`class="release-link" href="/ui/releases/([^"]+)"`)
	nextLink    = regexp.MustCompile(`class="next-page" href="([^"]+)"`)
)

// TestReleaseListPaged: 130 baking releases are listed 50 to a page, newest
// first; each page links the next with the API's cursor and the last has no
// link; following the links lists every release exactly once. The overview
// shows one page per section, and bad paging parameters are 400 pages.
func TestReleaseListPaged(t *testing.T) {
	st := memory.New()
	ctx := context.Background()
	if _, err := st.PutPolicy(ctx, "checkout", parsePolicy(t), 0, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	var want []string // newest first
	for i := range 130 {
		id := fmt.Sprintf("rel_%03d", i)
		at := t0.Add(time.Duration(i/2) * time.Minute) // pairs share a time: the id breaks the tie
		if _, _, err := st.CreateRelease(ctx, store.Release{ID: id, Service: "checkout", Target: fmt.Sprintf("t%d", i),
			Version: "v2", BaselineVersion: "v1", State: judge.StateBaking, CreatedAt: at, UpdatedAt: at}, nil, nil, store.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{id}, want...)
	}
	srv := httptest.NewServer(server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: prometheus.NewRegistry()}))
	t.Cleanup(srv.Close)
	s := site{srv: srv}

	var got []string
	next, pages := "/ui/?state=baking", 0
	for next != "" {
		p := s.get(t, next)
		p.must(t, 200)
		ids := releaseLink.FindAllStringSubmatch(p.body, -1)
		if len(ids) > 50 {
			t.Fatalf("page %d lists %d releases, want at most 50", pages+1, len(ids))
		}
		for _, m := range ids {
			got = append(got, m[1])
		}
		next = ""
		if m := nextLink.FindStringSubmatch(p.body); m != nil {
			next = html.UnescapeString(m[1])
		}
		pages++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("%d pages listed %d releases:\n%v\nwant, newest first:\n%v", pages, len(got), got, want)
	}
	over := s.get(t, "/ui/")
	over.must(t, 200, "Baking", "Recent")
	if n := len(releaseLink.FindAllString(over.body, -1)); n != 100 { // baking and recent: a page each
		t.Errorf("the overview lists %d releases, want 100 (a page of baking, a page of recent)", n)
	}
	if n := len(nextLink.FindAllString(over.body, -1)); n != 2 {
		t.Errorf("the overview has %d next-page links, want 2", n)
	}
	s.get(t, "/ui/?state=baking&limit=7").must(t, 200, "limit=7")
	for _, bad := range []string{"/ui/?limit=0", "/ui/?limit=501", "/ui/?cursor=!!!", "/ui/?cursor=%%%", "/ui/?state=%00"} {
		s.get(t, bad).must(t, 400)
	}
}

func parsePolicy(t *testing.T) judge.Policy {
	t.Helper()
	doc, err := json.Marshal(demo.Policy(""))
	if err != nil {
		t.Fatal(err)
	}
	p, err := judge.ParsePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
