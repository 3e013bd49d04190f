package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/canaryjudge/canaryjudge/server/ui"
	"github.com/canaryjudge/canaryjudge/store"
)

// The web UI's session cookie never holds the bearer token. The token form
// turns a token into a session derived from it:
//
//	s1.<token id, base64url>.<expiry, unix seconds>.<mac, base64url>
//
// where mac is HMAC-SHA256, keyed with the token's stored hash (SHA-256 of
// its secret), of "canaryjudge-ui-session\n<id>\n<expiry>". Any replica
// checks a session against the token's row, so no session is kept anywhere;
// it ends when it expires (ui.SessionAge) or its token is revoked. A copied
// cookie opens only the read-only UI, and only until then.
const sessionPrefix = "s1."

// sessionMAC is the session's signature under the token's hash.
func sessionMAC(hash []byte, id string, expiry int64) []byte {
	m := hmac.New(sha256.New, hash)
	m.Write([]byte("canaryjudge-ui-session\n" + id + "\n" + strconv.FormatInt(expiry, 10)))
	return m.Sum(nil)
}

// newSession checks a token's secret and returns the session cookie value
// for it, and its caller.
func (s *Server) newSession(ctx context.Context, secret string) (string, ui.Caller, error) {
	c, tok, err := s.uiToken(ctx, secret)
	if err != nil {
		return "", c, err
	}
	expiry := s.now().Add(ui.SessionAge).Unix()
	b64 := base64.RawURLEncoding.EncodeToString
	v := sessionPrefix + b64([]byte(tok.ID)) + "." + strconv.FormatInt(expiry, 10) + "." +
		b64(sessionMAC(HashToken(secret), tok.ID, expiry))
	return v, c, nil
}

// session checks a session cookie value: ui.ErrUnauthorized unless it is
// one newSession made, unexpired, for a token that still exists.
func (s *Server) session(ctx context.Context, value string) (ui.Caller, error) {
	rest, ok := strings.CutPrefix(value, sessionPrefix)
	parts := strings.Split(rest, ".")
	if !ok || len(parts) != 3 {
		return ui.Caller{}, ui.ErrUnauthorized
	}
	id, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	expiry, err2 := strconv.ParseInt(parts[1], 10, 64)
	mac, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || s.now().Unix() >= expiry {
		return ui.Caller{}, ui.ErrUnauthorized
	}
	hash, err := s.tokenHash(ctx, string(id))
	if err != nil {
		return ui.Caller{}, err
	}
	if !hmac.Equal(mac, sessionMAC(hash, string(id), expiry)) {
		return ui.Caller{}, ui.ErrUnauthorized
	}
	tok, err := s.checkHash(ctx, hash)
	if err != nil {
		return ui.Caller{}, uiError(err)
	}
	return callerOf(tok), nil
}

// tokenHash is the stored hash of the token with this id (the bootstrap
// admin token's from the configuration).
func (s *Server) tokenHash(ctx context.Context, id string) ([]byte, error) {
	if id == bootstrapID {
		if s.cfg.AdminTokenHash == nil {
			return nil, ui.ErrUnauthorized
		}
		return s.cfg.AdminTokenHash, nil
	}
	hash, err := s.store.TokenHash(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ui.ErrUnauthorized
	}
	return hash, err
}

// uiToken checks a bearer token's secret for the UI.
func (s *Server) uiToken(ctx context.Context, secret string) (ui.Caller, store.Token, error) {
	tok, err := s.checkSecret(ctx, secret)
	if err != nil {
		return ui.Caller{}, tok, uiError(err)
	}
	return callerOf(tok), tok, nil
}

// uiError turns the API's 401 into the UI's ErrUnauthorized.
func uiError(err error) error {
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusUnauthorized {
		return ui.ErrUnauthorized
	}
	return err
}

func callerOf(tok store.Token) ui.Caller {
	c := ui.Caller{Name: "token:" + tok.Name}
	if len(tok.Services) > 0 {
		c.Services = tok.Services
	}
	return c
}
