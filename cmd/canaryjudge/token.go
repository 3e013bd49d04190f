package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// cmdToken creates API tokens in the database and prints the secret once.
func cmdToken(ctx context.Context, e *env, args []string) error {
	cfg := defaultServeConfig(e)
	fs := newFlags(e, "token", "token create --name NAME --scope judge[,operator,admin,read] [--service S[,S...]] [flags]")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (env DATABASE_URL)")
	name := fs.String("name", "", "who the token is for, e.g. spinnaker-prod")
	scope := fs.String("scope", "", "comma-separated scopes: "+strings.Join(server.ValidScopes, ", "))
	services := fs.String("service", "", "comma-separated services the token is limited to (default: every service)")
	if len(args) == 0 || (args[0] != "create" && args[0] != "-h" && args[0] != "--help") {
		fs.Usage()
		return usageError("token: want the subcommand create")
	}
	if args[0] == "create" {
		args = args[1:]
	}
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	spec := server.TokenSpec{Name: *name, Scopes: splitList(*scope), Services: splitList(*services)}
	if fs.NArg() > 0 {
		return usageError("token create: unexpected argument %q", fs.Arg(0))
	}
	if err := server.ValidateToken(spec); err != nil {
		return asUsage(err)
	}
	if cfg.DatabaseURL == "" {
		return usageError("%w: tokens live in the database (the in-memory store takes CANARYJUDGE_ADMIN_TOKEN instead)", errNoDatabase)
	}
	pg, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pg.Close()
	tok, secret, err := server.CreateToken(ctx, pg, spec, "cli:token-create", time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "created token %s (%s) with scopes %s; it is shown once:\n", tok.ID, tok.Name, strings.Join(tok.Scopes, ","))
	fmt.Fprintln(e.stdout, secret)
	return nil
}

// splitList splits a comma-separated flag; empty is none.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
