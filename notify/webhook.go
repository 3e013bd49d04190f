package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// Webhook header names; see the package comment for the signature scheme.
const (
	HeaderTimestamp   = "X-Canaryjudge-Timestamp"
	HeaderSignature   = "X-Canaryjudge-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

const signaturePrefix = "sha256="

// Sign returns the X-Canaryjudge-Signature value for body sent at Unix time ts:
// "sha256=" and the hex HMAC-SHA256 of "<ts>.<body>" keyed with secret.
func Sign(secret string, ts int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, ts, body))
}

// Verify reports whether header is a valid signature of body sent at Unix time ts
// under secret. It compares in constant time and never accepts an empty secret.
// Checking that ts is recent is the caller's job.
func Verify(secret, header string, ts int64, body []byte) bool {
	if secret == "" {
		return false
	}
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(header), signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(secret, ts, body))
}

func mac(secret string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(strconv.AppendInt(nil, ts, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// WebhookPayload is the JSON body of a generic webhook request.
type WebhookPayload struct {
	ID        int64           `json:"id"`
	ReleaseID string          `json:"release_id"`
	Service   string          `json:"service"`
	Target    string          `json:"target"`
	Kind      string          `json:"kind"`
	Summary   string          `json:"summary"`
	Severity  string          `json:"severity"`
	Details   json.RawMessage `json:"details"`
	CreatedAt time.Time       `json:"created_at"`
}

// webhookSender POSTs the whole message as signed JSON.
type webhookSender struct {
	client *http.Client
	now    func() time.Time
}

func (s webhookSender) send(ctx context.Context, m outbox.Message, sink judge.Sink) error {
	details := m.Details
	if len(details) == 0 {
		details = json.RawMessage("null")
	}
	body, err := json.Marshal(WebhookPayload{
		ID:        m.ID,
		ReleaseID: m.ReleaseID,
		Service:   m.Service,
		Target:    m.Target,
		Kind:      m.Kind,
		Summary:   m.Summary,
		Severity:  m.Severity,
		Details:   details,
		CreatedAt: m.CreatedAt.UTC(),
	})
	if err != nil {
		return permanentf("encode webhook body: %v", err)
	}
	ts := s.now().Unix()
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderIdempotency, strconv.FormatInt(m.ID, 10))
	if sink.Secret != "" {
		h.Set(HeaderSignature, Sign(sink.Secret, ts, body))
	}
	return postJSON(ctx, s.client, sink.URL, body, h)
}
