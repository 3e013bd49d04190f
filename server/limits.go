package server

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/jsontext"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
)

// Text limits of the API's free-text fields, in bytes, by path pattern
// (array indexes as []); openapi.yaml documents each as maxLength. Every
// other string is limited to judge.DefaultTextLimit, every object key to
// judge.KeyTextLimit, every path parameter to maxParamBytes.
var apiLimits = func() jsontext.Limits {
	f := map[string]int{
		"reason":           engine.MaxReasonBytes,      // overrides and freezes
		"detail":           engine.MaxDetailBytes,      // a deploy tool's report (stderr of a failed rollback)
		"source_error":     engine.MaxSourceErrorBytes, // why the metrics could not be fetched
		"migrations[].id":  engine.MaxMigrationID,
		"migrations[].sql": engine.MaxMigrationSQL,
		"sql":              engine.MaxMigrationSQL, // POST /v1/migrations/check
		// Kayenta execution requests: label matchers, under scope names
		// the caller chooses.
		"scopes.*.controlScope.scope":    kayentaapi.MaxScope,
		"scopes.*.experimentScope.scope": kayentaapi.MaxScope,
	}
	for k, n := range judge.PolicyTextLimits { // PUT .../policy, and POST /v1/judge's "policy"
		f[k], f["policy."+k] = n, n
	}
	return jsontext.Limits{Default: judge.DefaultTextLimit, Key: judge.KeyTextLimit, Fields: f}
}()

const maxParamBytes = 256

// checkParams refuses path parameters that are too long, not UTF-8 or
// hold a NUL byte, naming the parameter.
func checkParams(r *http.Request) error {
	rc := chi.RouteContext(r.Context())
	if rc == nil {
		return nil
	}
	v := &judge.ValidationError{}
	for i, k := range rc.URLParams.Keys {
		val := rc.URLParams.Values[i]
		if u, err := url.PathUnescape(val); err == nil {
			val = u
		}
		switch {
		case len(val) > maxParamBytes:
			v.Add(k, "must be at most 256 bytes")
		case !utf8.ValidString(val) || bytes.IndexByte([]byte(val), 0) >= 0:
			v.Add(k, "must be valid UTF-8 without NUL bytes")
		}
	}
	return v.Err()
}

// checkBody reads the (size-limited) body once and checks its text before
// any handler decodes it: every string of a JSON body by field, a YAML
// policy as raw bytes (internal/policyfile checks it field by field once
// converted). The handler reads the same bytes again from r.Body.
func checkBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	body, err := readSized(r.Body, r.ContentLength)
	if err != nil {
		return readErr(err)
	}
	r.Body = checkedBody{Reader: bytes.NewReader(body), b: body}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/yaml", "application/x-yaml", "text/yaml":
		if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
			return badRequest("policy", "must be valid UTF-8 without NUL bytes")
		}
		return nil
	}
	return jsontext.Check(body, apiLimits)
}

// checkedBody is a request body checkBody has read and checked: readBody
// takes its bytes instead of reading (and copying) them a second time.
type checkedBody struct {
	*bytes.Reader
	b []byte
}

func (checkedBody) Close() error { return nil }

// readSized reads a body whose Content-Length the client gave as hint
// into one allocation of that size (io.ReadAll would grow its buffer
// from 512 bytes, copying as it goes). The hint is only trusted up to
// 1 MiB; the body's own limit (http.MaxBytesReader) still applies.
func readSized(r io.Reader, hint int64) ([]byte, error) {
	if hint <= 0 || hint > 1<<20 {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, hint+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}
