package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// checkJSONType accepts a JSON content type or none.
func checkJSONType(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errStatus(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
				fmt.Sprintf("Content-Type must be application/json, not %q", ct))
		}
	}
	return nil
}

// decodeStrict decodes one JSON value with unknown fields rejected.
func decodeStrict(body []byte, v any) error {
	return decodeJSON(body, v, true)
}

// decodeJSON decodes one JSON value, and nothing after it; strict rejects
// fields v does not have, else they are ignored (third-party protocols
// that may grow).
func decodeJSON(body []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("body", "the request body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	// Whatever follows the value (a second value, a stray ']' or '}',
	// garbage) makes Token return something other than io.EOF.
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("body", "unexpected data after the JSON value")
	}
	return nil
}

// jsonError turns encoding/json errors into a field-naming validation error.
func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return badRequest("body", fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("body", "malformed JSON: unexpected end of input")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return badRequest(field, fmt.Sprintf("must be %s, not JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return badRequest("body", `unknown field ""`)
		}
		return badRequest(name, "unknown field")
	default:
		// Errors from custom UnmarshalJSON methods carry their own message.
		return badRequest("body", err.Error())
	}
}

func jsonKind(k string) string {
	switch k {
	case "float64", "float32", "int", "int64", "int32", "uint", "uint64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "a " + k
}
