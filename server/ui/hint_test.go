package ui_test

import (
	"html"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/server/ui"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// TestSignInHint: the sign-in page says how a token is had on this server
// (the hint serve gives for its store), or the default that fits any.
func TestSignInHint(t *testing.T) {
	for _, hint := range []string{"sign in with the admin token it was started with (CANARYJUDGE_ADMIN_TOKEN)", ""} {
		srv := httptest.NewServer(server.New(server.Config{OpenAPI: canaryjudge.OpenAPI, Auth: true,
			AdminTokenHash: server.HashToken(adminToken), TokenHint: hint}, server.Deps{Store: memory.New(), Registry: prometheus.NewRegistry()}))
		s := site{srv: srv}
		p := s.get(t, "/ui/login")
		srv.Close()
		want := hint
		if want == "" {
			want = ui.DefaultTokenHint
		}
		if !strings.Contains(html.UnescapeString(p.body), want) {
			t.Errorf("the sign-in page lacks %q:\n%s", want, p.body)
		}
		if hint != "" && strings.Contains(p.body, "token create") {
			t.Error("an in-memory server's sign-in page suggests canaryjudge token create, which needs PostgreSQL")
		}
	}
}
