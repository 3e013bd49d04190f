package gameday

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/httpjson"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// Client is what the game day asks of a canaryjudge server: its public
// API, nothing more. NewClient is the one implementation; the embedded
// server is reached through it too.
type Client interface {
	PutPolicy(ctx context.Context, service string, p judge.Policy) error
	CreateRelease(ctx context.Context, req engine.CreateReleaseRequest) (store.Release, error)
	Analyze(ctx context.Context, releaseID string, req engine.AnalysisRequest) (judge.Decision, error)
	Event(ctx context.Context, releaseID string, req engine.EventRequest) (judge.Decision, error)
	Override(ctx context.Context, releaseID string, req engine.OverrideRequest) (judge.Decision, error)
	Freeze(ctx context.Context, scope, reason string) error
	Unfreeze(ctx context.Context, scope string) error
	// Release is the release and its latest decision.
	Release(ctx context.Context, releaseID string) (store.Release, judge.Decision, error)
	// Outbox lists a service's notifications, newest first (at most 500).
	Outbox(ctx context.Context, service string) ([]outbox.Entry, error)
}

// APIError is an answer other than 2xx.
type APIError struct {
	Method, Path string
	Status       int
	Body         string // the problem+json, trimmed
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// httpClient speaks the API over HTTP.
type httpClient struct {
	base, token string
	hc          *http.Client
}

// NewClient returns a Client for the server at base (e.g.
// http://127.0.0.1:8080); token, when set, is sent as a bearer token and
// needs the admin scope (policies) or judge, operator and read together.
func NewClient(base, token string) Client {
	return &httpClient{base: strings.TrimRight(base, "/"), token: token, hc: &http.Client{Timeout: 30 * time.Second}}
}

func (c *httpClient) PutPolicy(ctx context.Context, service string, p judge.Policy) error {
	p.Version = 0
	return c.do(ctx, http.MethodPut, "/v1/services/"+url.PathEscape(service)+"/policy", p, nil)
}

func (c *httpClient) CreateRelease(ctx context.Context, req engine.CreateReleaseRequest) (store.Release, error) {
	var rel store.Release
	err := c.do(ctx, http.MethodPost, "/v1/releases", req, &rel)
	return rel, err
}

// outcome is the body of analysis, event and override answers.
type outcome struct {
	Decision judge.Decision `json:"decision"`
}

func (c *httpClient) Analyze(ctx context.Context, id string, req engine.AnalysisRequest) (judge.Decision, error) {
	var out outcome
	err := c.do(ctx, http.MethodPost, "/v1/releases/"+url.PathEscape(id)+"/analyses", req, &out)
	return out.Decision, err
}

func (c *httpClient) Event(ctx context.Context, id string, req engine.EventRequest) (judge.Decision, error) {
	var out outcome
	err := c.do(ctx, http.MethodPost, "/v1/releases/"+url.PathEscape(id)+"/events", req, &out)
	return out.Decision, err
}

func (c *httpClient) Override(ctx context.Context, id string, req engine.OverrideRequest) (judge.Decision, error) {
	var out outcome
	err := c.do(ctx, http.MethodPost, "/v1/releases/"+url.PathEscape(id)+"/override", req, &out)
	return out.Decision, err
}

func (c *httpClient) Freeze(ctx context.Context, scope, reason string) error {
	return c.do(ctx, http.MethodPut, "/v1/freezes/"+url.PathEscape(scope), map[string]string{"reason": reason}, nil)
}

func (c *httpClient) Unfreeze(ctx context.Context, scope string) error {
	return c.do(ctx, http.MethodDelete, "/v1/freezes/"+url.PathEscape(scope), nil, nil)
}

func (c *httpClient) Release(ctx context.Context, id string) (store.Release, judge.Decision, error) {
	var out struct {
		Release  store.Release  `json:"release"`
		Decision judge.Decision `json:"decision"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/releases/"+url.PathEscape(id), nil, &out)
	return out.Release, out.Decision, err
}

func (c *httpClient) Outbox(ctx context.Context, service string) ([]outbox.Entry, error) {
	var out struct {
		Messages []outbox.Entry `json:"messages"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/outbox?limit=500&service="+url.QueryEscape(service), nil, &out)
	return out.Messages, err
}

func (c *httpClient) do(ctx context.Context, method, path string, body, out any) error {
	status, data, err := httpjson.Call(ctx, c.hc, method, c.base+path, c.token, body, 16<<20)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return &APIError{Method: method, Path: path, Status: status, Body: string(bytes.TrimSpace(data))}
	}
	if out == nil || status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
	}
	return nil
}
