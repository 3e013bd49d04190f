package canaryjudgetest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The contract check catches what it is for: a response off its schema,
// a route the contract lacks, an accepted request the contract refuses;
// and passes a conforming exchange.
func TestCheckContract(t *testing.T) {
	hdr := http.Header{"Content-Type": {"application/json"}}
	flagger := `{"name":"podinfo","namespace":"prod","checksum":"abc"}`
	for _, tc := range []struct {
		name, method, path, body string
		resp                     Response
		want                     string // "" = no violation
	}{
		{"conforming", "POST", "/flagger/rollout", flagger,
			Response{200, hdr, []byte(`{"answer":"yes","hook":"rollout","service":"podinfo","target":"prod","version":"abc","message":"ok"}`)}, ""},
		{"bad response", "POST", "/flagger/rollout", flagger,
			Response{200, hdr, []byte(`{"answer":"maybe","hook":"rollout","service":"podinfo","target":"prod","version":"abc","message":"ok"}`)}, "does not match"},
		{"unknown field in a strict response", "POST", "/flagger/rollout", flagger,
			Response{412, hdr, []byte(`{"answer":"no","hook":"rollout","service":"p","target":"t","version":"v","message":"m","extra":1}`)}, "does not match"},
		{"undocumented status", "POST", "/flagger/rollout", flagger, Response{418, hdr, []byte(`{}`)}, "does not match"},
		{"route not in the contract", "GET", "/v1/nowhere", "", Response{200, hdr, []byte(`{}`)}, "not in openapi.yaml"},
		{"404 of a route not in the contract", "GET", "/v1/nowhere", "", Response{404, hdr, []byte(`{}`)}, ""},
		{"accepted request the contract refuses", "POST", "/flagger/rollout", `{"name":"podinfo"}`,
			Response{200, hdr, []byte(`{"answer":"yes","hook":"rollout","service":"podinfo","target":"prod","version":"abc","message":"ok"}`)}, "refuses the request"},
		{"token in the path", "POST", "/flagger/token/s3cret/rollout", flagger,
			Response{200, hdr, []byte(`{"answer":"yes","hook":"rollout","service":"podinfo","target":"prod","version":"abc","message":"ok"}`)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:1"+tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			got := strings.Join(checkContract(req, []byte(tc.body), tc.resp), "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("violations %q, want %q", got, tc.want)
			}
		})
	}
}
