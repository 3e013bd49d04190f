package server_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// TestUnauthorizedHintWorksOnTheMemoryStore: the 401 for a missing token
// points at ways to get one that work on the in-memory store (the
// bootstrap admin token, POST /v1/tokens), not only at `token create`,
// which writes to PostgreSQL.
func TestUnauthorizedHintWorksOnTheMemoryStore(t *testing.T) {
	srv := httptest.NewServer(server.New(server.Config{Auth: true, AdminTokenHash: server.HashToken("boot-secret")}, server.Deps{Store: memory.New()}))
	t.Cleanup(srv.Close)
	r := call(t, srv, "GET", "/v1/freezes", nil)
	mustStatus(t, r, 401)
	detail, _ := decode[map[string]any](t, r)["detail"].(string)
	for _, want := range []string{"CANARYJUDGE_ADMIN_TOKEN", "POST /v1/tokens", "on PostgreSQL"} {
		if !strings.Contains(detail, want) {
			t.Errorf("401 detail %q lacks %q", detail, want)
		}
	}
}
