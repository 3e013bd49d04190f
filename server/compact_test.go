package server

import (
	"bytes"
	"encoding/json"
	"testing"
)

// compactJSON keeps a body without any whitespace byte as it is (the same
// bytes, not a copy) and gives json.Compact's answer for every body.
func TestCompactJSON(t *testing.T) {
	for _, in := range []string{
		`{"canary":{"m":[1,2.5,3]},"source_error":"time_out"}`,
		`{"canary": {"m": [1, 2.5, 3]}, "source_error": "timed out"}`,
		"{\n\t\"a\":\r\n[1]\n}",
		`{"a":"only a space inside a string: ","b":1}`,
	} {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(in)); err != nil {
			t.Fatal(err)
		}
		body := []byte(in)
		got := compactJSON(body)
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("compactJSON(%q) = %q, want %q", in, got, want.Bytes())
		}
		if bytes.IndexAny(body, " \t\r\n") < 0 && &got[0] != &body[0] {
			t.Errorf("compactJSON(%q) copied a body that was already compact", in)
		}
	}
	if got := compactJSON([]byte(`{"a": tru}`)); got != nil {
		t.Errorf("compactJSON of a body that is not JSON = %q, want nil", got)
	}
}
