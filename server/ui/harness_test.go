package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// adminToken is the bootstrap admin token of servers with auth on.
const adminToken = "ui-test-admin-token-0123456789abcdef"

// site is a real server over a store, with the demo story played on it.
type site struct {
	srv   *httptest.Server
	story demo.Story
	admin demo.Client
}

// newSite starts a server (auth on when auth) on st and plays the story.
func newSite(t testing.TB, st store.Full, auth bool) site {
	t.Helper()
	cfg := server.Config{OpenAPI: canaryjudge.OpenAPI, Version: "test", Auth: auth}
	if auth {
		cfg.AdminTokenHash = server.HashToken(adminToken)
	}
	h := server.New(cfg, server.Deps{Store: st, Registry: prometheus.NewRegistry(), Classifier: sqlcheck.Classifier{}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := demo.Client{URL: srv.URL}
	if auth {
		c.Token = adminToken
	}
	story, err := demo.Run(context.Background(), c, "", time.Now().Add(-3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return site{srv: srv, story: story, admin: c}
}

func memSite(t testing.TB, auth bool) site { return newSite(t, memory.New(), auth) }

// page is a response read whole.
type page struct {
	status int
	header http.Header
	body   string
}

// get fetches path without following redirects; hdr are name, value pairs.
func (s site) get(t testing.TB, path string, hdr ...string) page {
	t.Helper()
	return s.do(t, http.MethodGet, path, "", hdr...)
}

func (s site) do(t testing.TB, method, path, form string, hdr ...string) page {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (p page) must(t testing.TB, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d:\n%s", p.status, status, p.body)
	}
	for _, c := range contains {
		if !strings.Contains(p.body, c) {
			t.Errorf("the page lacks %q", c)
		}
	}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}
