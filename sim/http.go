package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/httpjson"
	"github.com/canaryjudge/canaryjudge/judge"
)

// HTTP drives a running canaryjudge server through its API.
type HTTP struct {
	base, token string
	client      *http.Client
}

// NewHTTP returns a driver for the server at base (e.g.
// http://127.0.0.1:8080), authenticating with token when set.
func NewHTTP(base, token string) *HTTP {
	return &HTTP{base: strings.TrimRight(base, "/"), token: token, client: &http.Client{Timeout: 30 * time.Second}}
}

// PutPolicy stores p for service.
func (h *HTTP) PutPolicy(ctx context.Context, service string, p judge.Policy) error {
	p.Version = 0
	return h.do(ctx, http.MethodPut, "/v1/services/"+service+"/policy", p, nil)
}

// CreateRelease starts a release of v2 over v1.
func (h *HTTP) CreateRelease(ctx context.Context, service, target string) (string, error) {
	var rel struct {
		ID string `json:"id"`
	}
	err := h.do(ctx, http.MethodPost, "/v1/releases", engine.CreateReleaseRequest{Service: service, Target: target, Version: "v2", BaselineVersion: "v1"}, &rel)
	return rel.ID, err
}

// Analyze posts one window and returns the decision.
func (h *HTTP) Analyze(ctx context.Context, id string, req engine.AnalysisRequest) (judge.Decision, error) {
	var out struct {
		Decision judge.Decision `json:"decision"`
	}
	err := h.do(ctx, http.MethodPost, "/v1/releases/"+id+"/analyses", req, &out)
	return out.Decision, err
}

func (h *HTTP) do(ctx context.Context, method, path string, body, out any) error {
	status, data, err := httpjson.Call(ctx, h.client, method, h.base+path, h.token, body, 16<<20)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return fmt.Errorf("%s %s: %d %s: %s", method, path, status, http.StatusText(status), bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
