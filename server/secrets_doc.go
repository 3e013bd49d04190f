package server

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Metric sources' configuration documents are write-only the same way
// policies' sinks are: whatever a backend's own Redact leaves, readers never
// see a credential. redactDoc walks any document: a field named url (or
// ending in _url) goes through redactURL, the one function that also hides
// sink URLs; fields that name a credential (password, token, secret, key,
// ...) read "(set)"; every value under headers reads "(set)". A PUT may
// send a redacted URL back unchanged to keep the stored one (restoreURLs).

// secretFields are field names whose string values are credentials.
var secretFields = []string{"password", "token", "bearer_token", "secret", "client_secret", "api_key", "apikey",
	"app_key", "application_key", "routing_key", "access_key", "secret_key", "session_token", "private_key", "credentials"}

func urlField(name string) bool {
	n := strings.ToLower(name)
	return n == "url" || strings.HasSuffix(n, "_url")
}

// redactDoc returns raw with every credential hidden; a document that is
// not JSON reads as {}.
func redactDoc(raw json.RawMessage) json.RawMessage {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return json.RawMessage(`{}`)
	}
	b, err := json.Marshal(redactValue("", v))
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}

func redactValue(field string, v any) any {
	name := strings.ToLower(field)
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if name == "headers" {
				x[k] = secretSet
				continue
			}
			x[k] = redactValue(k, val)
		}
		return x
	case []any:
		for i, val := range x {
			x[i] = redactValue(field, val)
		}
		return x
	case string:
		switch {
		case x == "":
		case urlField(name):
			return redactURL("", x)
		case slices.Contains(secretFields, name):
			return secretSet
		}
	}
	return v
}

// restoreURLs puts back, in a document sent to be stored, each URL that
// is the redacted form of the stored document's URL at the same place
// (prev nil: none stored); a redacted URL it cannot restore is a 400
// naming the field (path: "config").
func restoreURLs(raw, prev json.RawMessage, path string) (json.RawMessage, error) {
	if !strings.Contains(string(raw), urlRedacted) {
		return raw, nil
	}
	var in, old any
	if err := json.Unmarshal(raw, &in); err != nil {
		return raw, nil // the backend's decoder names the problem
	}
	if prev != nil {
		_ = json.Unmarshal(prev, &old)
	}
	v := &judge.ValidationError{}
	in = restoreValue(path, "", in, old, v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(in)
}

func restoreValue(path, field string, in, old any, v *judge.ValidationError) any {
	switch x := in.(type) {
	case map[string]any:
		o, _ := old.(map[string]any)
		for k, val := range x {
			x[k] = restoreValue(path+"."+k, k, val, o[k], v)
		}
		return x
	case []any:
		o, _ := old.([]any)
		for i, val := range x {
			var ov any
			if i < len(o) {
				ov = o[i]
			}
			x[i] = restoreValue(path+"[]", field, val, ov, v)
		}
		return x
	case string:
		if !strings.Contains(x, urlRedacted) {
			return x
		}
		if o, ok := old.(string); ok && urlField(field) && o != "" && redactURL("", o) == x {
			return o
		}
		v.Add(path, "holds a redacted value that is not this source's stored one; send the full value")
	}
	return in
}
