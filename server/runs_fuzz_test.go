package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/source"
	promsrc "github.com/canaryjudge/canaryjudge/source/prometheus"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// FuzzRunRequest: whatever the body of POST /v1/releases/{id}/runs, the
// answer is 202 or a problem naming why (never a 500), and a refused
// request stores no run.
func FuzzRunRequest(f *testing.F) {
	for _, s := range []string{goodRun, `{}`, `{"source":"prom","scope":{"canary":{"a":"\"}\\"},"baseline":{"a":"b"}}}`,
		`{"source":"prom","interval":"-1m","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`, `{"source":"prom","start":"x"}`,
		`{"source":"prom","scope":{"canary":{"a":"\u0000"},"baseline":{"a":"c"}}}`, `[]`, `{"source":"prom"} {}`} {
		f.Add([]byte(s))
	}
	st := memory.New()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: prometheus.NewRegistry(),
		Backends: map[string]source.Backend{"prometheus": promsrc.Backend{}}})
	do := func(method, path string, body []byte, ctype string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	pol, err := os.ReadFile("../source/prometheus/testdata/policy.yaml")
	if err != nil {
		f.Fatal(err)
	}
	do("PUT", "/v1/services/checkout/policy", pol, "application/yaml")
	do("PUT", "/v1/sources/prom", []byte(`{"type":"prometheus","config":{"url":"http://prom:9090"}}`), "application/json")
	w := do("POST", "/v1/releases", []byte(`{"service":"checkout","target":"eu","version":"v2","baseline_version":"v1"}`), "application/json")
	rel := w.Header().Get("Location")
	f.Fuzz(func(t *testing.T, body []byte) {
		w := do("POST", rel+"/runs", body, "application/json")
		switch w.Code {
		case http.StatusAccepted:
			if c := do("DELETE", w.Header().Get("Location"), nil, ""); c.Code != 200 {
				t.Fatalf("cancel: %d %s", c.Code, c.Body)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if !strings.Contains(w.Body.String(), `"field"`) && w.Code == 400 {
				t.Fatalf("%q: 400 naming no field: %s", body, w.Body)
			}
			if runs, _ := st.ListRuns(context.Background(), store.RunQuery{State: store.RunRunning}); len(runs) != 0 {
				t.Fatalf("%q: refused but stored %+v", body, runs)
			}
		default:
			t.Fatalf("%q: %d %s", body, w.Code, w.Body)
		}
	})
}
