// Package httpjson sends requests to canaryjudge's API the way its own
// clients do (the game day, the demo story, canaryjudgetest): the body as
// JSON and the token, when there is one, as a bearer token.
package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// NewRequest is a request to url carrying body (nil: none) as
// application/json and token, when not empty, as the bearer token.
func NewRequest(ctx context.Context, method, url, token string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// Call sends body (nil: none; otherwise encoded as JSON) with hc and
// returns the answer's status and at most limit bytes of its body. The
// status is the caller's to judge.
func Call(ctx context.Context, hc *http.Client, method, url, token string, body any, limit int64) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := NewRequest(ctx, method, url, token, rd)
	if err != nil {
		return 0, nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}
