package sourcetest

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// Number writes v as a JSON number the way a fixture sends it: NaN as
// null, and ±Inf as 1e999 / -1e999 (a valid JSON number beyond float64's
// range, which is what an overflowing value reads as).
func Number(v float64) json.RawMessage {
	switch {
	case math.IsNaN(v):
		return json.RawMessage("null")
	case math.IsInf(v, 1):
		return json.RawMessage("1e999")
	case math.IsInf(v, -1):
		return json.RawMessage("-1e999")
	}
	return json.RawMessage(strconv.FormatFloat(v, 'g', -1, 64))
}

// Serve starts a fixture server for a test.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// WriteJSON answers v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
