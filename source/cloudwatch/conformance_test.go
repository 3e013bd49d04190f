package cloudwatch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	keyID  = "AKIDCANARYJUDGETEST"
	secret = "good/secret/key"
	region = "eu-west-1"
)

// signedBy checks a request's SigV4 signature as CloudWatch does: it signs
// the same method, URL, signed headers and body again with the expected
// secret at the request's own X-Amz-Date and compares.
func signedBy(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 "), ", ") {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	if !strings.HasPrefix(fields["Credential"], keyID+"/") || fields["Signature"] == "" {
		return false
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return false
	}
	req, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	req.ContentLength = r.ContentLength
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h != "host" && h != "content-length" {
			req.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), "monitoring", region, at); err != nil {
		return false
	}
	return strings.HasSuffix(req.Header.Get("Authorization"), "Signature="+fields["Signature"])
}

func harness() sourcetest.Harness {
	return sourcetest.Harness{
		Type: "cloudwatch", Backend: Backend{}, Start: fixture,
		Config: func(o sourcetest.Options) json.RawMessage {
			key := secret
			if o.BadAuth {
				key = "rotated/away"
			}
			return json.RawMessage(fmt.Sprintf(`{"url":%q,"timeout":%q,"retries":%d,"backoff":%q,"step":"10s","concurrency":%d,
				"region":%q,"access_key_id":%q,"secret_access_key":%q}`, o.URL, o.Timeout, o.Retries, o.Backoff, o.Concurrency, region, keyID, key))
		},
		Authorized: signedBy,
		// CloudWatch answers a signature it cannot verify 403
		// SignatureDoesNotMatch.
		Refuse: func(w http.ResponseWriter) {
			cborError(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		},
		// CloudWatch throttles with 400 Throttling ("Rate exceeded"), no
		// reset header.
		RateLimit: func(w http.ResponseWriter, _ time.Duration) {
			cborError(w, http.StatusBadRequest, "Throttling", "Rate exceeded")
		},
		RateLimitNoReset: true,
		PolicyFile:       "testdata/policy.yaml",
		Instances: []judge.Metric{
			{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query:      `SELECT SUM(http_requests) FROM SCHEMA(canaryjudge, app, code, pod, track) WHERE {{scope}} AND code = '500' GROUP BY pod`,
				TotalQuery: `SELECT SUM(http_requests) FROM SCHEMA(canaryjudge, app, code, pod, track) WHERE {{scope}} GROUP BY pod`},
			{Name: "cpu", Group: "saturation", Kind: judge.KindGauge, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query: `SELECT AVG(process_cpu) FROM SCHEMA(canaryjudge, app, pod, track) WHERE {{scope}} GROUP BY pod`},
		},
		Several:   `SELECT SUM(http_requests) FROM SCHEMA(canaryjudge, app, code, track) WHERE {{scope}} GROUP BY code`,
		NonFinite: `{"queries": [{"id": "o", "namespace": "canaryjudge", "metric": "overflow", "stat": "Maximum"}], "return": "o"}`,
		Refuses: func(v string) bool {
			_, err := Conditions(map[string]string{"app": v})
			return err != nil
		},
	}
}

func TestConformance(t *testing.T) { sourcetest.Run(t, harness()) }

// TestEndToEnd: scheduled runs on PostgreSQL decide a healthy and a
// regressed canary from this backend.
func TestEndToEnd(t *testing.T) { sourcetest.E2E(t, harness()) }
