package server_test

import (
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestAuthScopes: tokens are required, scopes enforced, secrets shown once
// and stored only hashed; the audit log names the caller.
func TestAuthScopes(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI, Auth: true, AdminTokenHash: server.HashToken("boot-secret")},
			server.Deps{Store: st, Registry: prometheus.NewRegistry()})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		admin := []string{"Authorization", "Bearer boot-secret"}
		if r := call(t, srv, "GET", "/v1/freezes", nil); r.StatusCode != 401 || r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("no token: %d", r.StatusCode)
		}
		mustStatus(t, call(t, srv, "GET", "/v1/freezes", nil, "Authorization", "Bearer wrong"), 401)
		mustStatus(t, call(t, srv, "GET", "/healthz", nil), 200) // probes stay open
		mustStatus(t, call(t, srv, "PUT", "/v1/services/auth/policy", testPolicy(2, ""), admin...), 201)

		mk := func(name, scope string) []string {
			r := call(t, srv, "POST", "/v1/tokens", `{"name":"`+name+`","scopes":["`+scope+`"]}`, admin...)
			mustStatus(t, r, 201)
			return []string{"Authorization", "Bearer " + decode[map[string]any](t, r)["token"].(string)}
		}
		judgeTok, opTok := mk("spinnaker", "judge"), mk("oncall", "operator")
		r := call(t, srv, "POST", "/v1/releases", `{"service":"auth","version":"v2","baseline_version":"v1"}`, judgeTok...)
		mustStatus(t, r, 201)
		id := decode[store.Release](t, r).ID
		mustStatus(t, call(t, srv, "POST", "/v1/releases/"+id+"/override", `{"action":"halt","reason":"test"}`, judgeTok...), 403)
		mustStatus(t, call(t, srv, "PUT", "/v1/freezes/global", `{"reason":"test"}`, judgeTok...), 403)
		mustStatus(t, call(t, srv, "PUT", "/v1/services/auth/policy", testPolicy(2, ""), opTok...), 403)
		mustStatus(t, call(t, srv, "POST", "/v1/releases/"+id+"/override", `{"action":"halt","reason":"suspicious graphs"}`, opTok...), 200)
		log := decode[map[string][]store.AuditEntry](t, call(t, srv, "GET", "/v1/releases/"+id+"/audit", nil, opTok...))["entries"]
		if len(log) < 2 || log[0].Actor != "token:spinnaker" || log[len(log)-1].Actor != "token:oncall" {
			t.Fatalf("audit actors: %+v", log)
		}
	})
}
