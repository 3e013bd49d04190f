package notify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// A webhook receiver checks the signature over the raw body, rejects stale
// timestamps, and only then decodes.
func ExampleVerify() {
	const secret = "s3cret"
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		ts, err := strconv.ParseInt(r.Header.Get(notify.HeaderTimestamp), 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
			http.Error(w, "stale or missing timestamp", http.StatusUnauthorized)
			return
		}
		if !notify.Verify(secret, r.Header.Get(notify.HeaderSignature), ts, body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		fmt.Printf("release %s: %s (%s)\n", p.ReleaseID, p.Kind, p.Severity)
	})

	body := []byte(`{"id":1,"release_id":"r-1","kind":"page","severity":"critical"}`)
	ts := time.Now().Unix()
	for _, sig := range []string{notify.Sign(secret, ts, body), notify.Sign("guess", ts, body)} {
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		req.Header.Set(notify.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(notify.HeaderSignature, sig)
		rec := httptest.NewRecorder()
		receiver.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// release r-1: page (critical)
	// 200
	// 401
}

func ExampleSign() {
	fmt.Println(notify.Sign("s3cret", 1700000000, []byte(`{"id":1}`)))
	// Output: sha256=ee0658aa4e37018df69c24227df01e0f680eb3b87c7f1f9bd936e283cfe01d9b
}

func ExampleSlackText() {
	fmt.Println(notify.SlackText(outbox.Message{
		ReleaseID: "r-123", Service: "payments", Target: "eu-west", Kind: outbox.KindPage,
		Summary: "rollback cap reached",
		Details: json.RawMessage(`{"action":"escalate","reason":"rollback_cap","state":"halted"}`),
	}))
	// Output: [PAGE] payments/eu-west release r-123: escalate (rollback_cap) — rollback cap reached
}

// Verify accepts exactly what Sign produces and never panics on a hostile header.
func FuzzVerify(f *testing.F) {
	f.Add("k", "sha256=00", int64(1700000000), []byte(`{"id":1}`))
	f.Add("", "", int64(0), []byte{})
	f.Add("k", "sha256=zz", int64(-1), []byte("x"))
	f.Fuzz(func(t *testing.T, secret, header string, ts int64, body []byte) {
		if secret != "" && !notify.Verify(secret, notify.Sign(secret, ts, body), ts, body) {
			t.Fatal("Verify rejects Sign's own signature")
		}
		want := notify.Sign(secret, ts, body) // hex case and surrounding space do not matter
		if notify.Verify(secret, header, ts, body) && !strings.EqualFold(strings.TrimSpace(header), want) {
			t.Fatalf("Verify accepted a header Sign would not produce: %q", header)
		}
	})
}
