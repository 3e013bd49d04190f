package sourcekit

import (
	"encoding/json"
	"net/http"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Credentials are the HTTP credentials several backends take: basic_auth
// or bearer_token, both write-only. Embed them in a backend's Config (their
// JSON fields are inlined).
type Credentials struct {
	BasicAuth   *BasicAuth `json:"basic_auth,omitempty"`
	BearerToken string     `json:"bearer_token,omitempty"`
}

// BasicAuth is HTTP basic authentication; the password is write-only.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Check adds the credentials' problems (paths config.*).
func (c Credentials) Check(v *judge.ValidationError) {
	if c.BasicAuth != nil && c.BasicAuth.Username == "" {
		v.Add("config.basic_auth.username", "is required with basic_auth")
	}
	c.CheckOne(v)
}

// CheckOne adds a problem when both kinds of credentials are given.
func (c Credentials) CheckOne(v *judge.ValidationError) {
	if c.BasicAuth != nil && c.BearerToken != "" {
		v.Add("config.bearer_token", "use either basic_auth or bearer_token, not both")
	}
}

// Keep resolves "(set)" credentials against the stored ones (KeepSecret);
// a stored password counts only for the same username.
func (c *Credentials) Keep(v *judge.ValidationError, old Credentials) {
	KeepSecret(v, "config.bearer_token", &c.BearerToken, old.BearerToken)
	if c.BasicAuth != nil {
		oldPw := ""
		if old.BasicAuth != nil && old.BasicAuth.Username == c.BasicAuth.Username {
			oldPw = old.BasicAuth.Password
		}
		KeepSecret(v, "config.basic_auth.password", &c.BasicAuth.Password, oldPw)
	}
}

// Hide redacts the credentials (Redact).
func (c *Credentials) Hide() {
	Redact(&c.BearerToken)
	if c.BasicAuth != nil {
		Redact(&c.BasicAuth.Password)
	}
}

// Apply adds the credentials to a request.
func (c Credentials) Apply(r *http.Request) {
	switch {
	case c.BasicAuth != nil:
		r.SetBasicAuth(c.BasicAuth.Username, c.BasicAuth.Password)
	case c.BearerToken != "":
		r.Header.Set("Authorization", "Bearer "+c.BearerToken)
	}
}

// Previous is the stored document prev (nil: none yet) decoded, what a
// backend's Validate resolves "(set)" credentials against.
func Previous[C any](prev json.RawMessage) C {
	var old C
	if prev != nil {
		_ = json.Unmarshal(prev, &old)
	}
	return old
}

// KeepThenParse is a backend's Validate for documents whose credentials
// are required: raw decoded strictly (kind names the backend), each "(set)"
// credential resolved against the stored document's by keep, then the
// whole checked by parse; it returns the document with its credentials.
func KeepThenParse[C any](raw, prev json.RawMessage, kind string, keep func(v *judge.ValidationError, c, old *C), parse func(json.RawMessage) (C, error)) (json.RawMessage, error) {
	var c C
	if err := Decode(raw, &c, kind); err != nil {
		return nil, err
	}
	old := Previous[C](prev)
	v := &judge.ValidationError{}
	keep(v, &c, &old)
	if err := v.Err(); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(c)
	if _, err := parse(b); err != nil {
		return nil, err
	}
	return b, nil
}

// RedactDoc is a backend's Redact: raw decoded, hide applied, encoded
// again ({} when raw is not a document of the backend's).
func RedactDoc[C any](raw json.RawMessage, hide func(*C)) json.RawMessage {
	var c C
	if err := json.Unmarshal(raw, &c); err != nil {
		return json.RawMessage(`{}`)
	}
	hide(&c)
	b, _ := json.Marshal(c)
	return b
}
