package main

import (
	"fmt"

	"github.com/canaryjudge/canaryjudge/server"
)

// tokenSource says how a user gets a token on this server, or, when auth
// is on and there is no way at all (the in-memory store starts with no
// tokens and only an admin may create one), why serve must not start.
func tokenSource(cfg serveConfig, auth, memoryStore, adminToken bool) (hint string, err error) {
	switch {
	case !auth:
		return "", nil
	case memoryStore && !adminToken:
		return "", fmt.Errorf("authentication is on (--auth %s, the in-memory store listening on %s) but no token can ever be had: "+
			"the in-memory store starts with no tokens and only an admin may create one. Set CANARYJUDGE_ADMIN_TOKEN to a "+
			"secret of at least %d characters (e.g. `openssl rand -base64 33`) to seed an admin token; or use PostgreSQL "+
			"(DATABASE_URL) and `canaryjudge token create`; or, for a local trial, listen on a loopback address with --auth auto or off",
			cfg.Auth, cfg.Addr, server.MinAdminTokenLength)
	case memoryStore:
		return "This server keeps everything in memory: sign in with the admin token it was started with " +
			"(CANARYJUDGE_ADMIN_TOKEN), or a token an admin made with POST /v1/tokens.", nil
	}
	return "Create one with canaryjudge token create --name NAME --scope read against this server's database " +
		"(DATABASE_URL), or ask an admin (POST /v1/tokens).", nil
}
