package gameday

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/canaryjudge/canaryjudge/notify"
)

// TestSinkChecksSignaturesAndCountsOnce: an unsigned or wrongly signed
// request is refused and reported; a redelivery of the same outbox message
// (delivery is at least once) is one message, not a second page.
func TestSinkChecksSignaturesAndCountsOnce(t *testing.T) {
	s := NewSink()
	body, _ := json.Marshal(notify.WebhookPayload{ID: 7, ReleaseID: "rel_1", Kind: "page"})
	post := func(secret string) int {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set(notify.HeaderTimestamp, "1700000000")
		if secret != "" {
			req.Header.Set(notify.HeaderSignature, notify.Sign(secret, 1700000000, body))
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post(""); code != http.StatusBadRequest {
		t.Errorf("unsigned: %d", code)
	}
	if code := post("not the secret"); code != http.StatusBadRequest {
		t.Errorf("wrong secret: %d", code)
	}
	for range 2 {
		if code := post(s.secret); code != http.StatusNoContent {
			t.Errorf("signed: %d", code)
		}
	}
	if got := s.Received([]string{"rel_1"}); len(got) != 1 || got[7].Kind != "page" {
		t.Errorf("received %v", got)
	}
	if len(s.Received([]string{"rel_2"})) != 0 || len(s.Refused()) != 2 {
		t.Errorf("other release or refusals: %v", s.Refused())
	}
}
