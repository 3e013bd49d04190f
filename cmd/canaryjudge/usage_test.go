package main

import (
	"context"
	"strings"
	"testing"
)

// TestUsageErrorsExit2: every command answers a usage error (an unknown
// flag, a missing or unexpected argument, a bad value) with exit status 2,
// as `migrations check` does, and says what is wrong.
func TestUsageErrorsExit2(t *testing.T) {
	cases := [][]string{
		{}, {"nope"},
		{"serve", "--nope"}, {"serve", "extra"}, {"serve", "--auth", "maybe"},
		{"migrate"}, {"migrate", "sideways"}, {"migrate", "--nope", "up"}, {"migrate", "up"},
		{"judge"}, {"judge", "--policy", "p.yaml"}, {"judge", "--policy", "p", "--input", "i", "--format", "xml"}, {"judge", "x"},
		{"simulate"}, {"simulate", "--policy", "p", "--format", "xml"}, {"simulate", "--policy", "p", "--releases", "0"},
		{"stats"}, {"stats", "nope"}, {"stats", "mw", "extra"}, {"stats", "mw", "--nope"},
		{"render"}, {"render", "nope"}, {"render", "all"}, {"render", "triggers", "extra"}, {"render", "triggers", "--nope"},
		{"gameday", "extra"}, {"gameday", "--format", "xml"}, {"gameday", "--server", "ftp://x"}, {"gameday", "--nope"},
		{"token"}, {"token", "revoke"}, {"token", "create", "--name", "x", "--scope", "god"}, {"token", "create", "--nope"},
		{"token", "create", "--name", "ci", "--scope", "judge"},
		{"version", "extra"}, {"version", "--nope"},
		{"migrations"}, {"migrations", "nope"}, {"migrations", "check"}, {"migrations", "check", "--nope", "x.sql"},
	}
	for _, args := range cases {
		e, _, stderr := testEnv("", nil)
		err := runEnv(context.Background(), e, args)
		if code := exitCode(err); err == nil || code != 2 {
			t.Errorf("canaryjudge %s: exit %d (%v), want 2", strings.Join(args, " "), code, err)
			continue
		}
		if said := stderr.String() + err.Error(); strings.TrimSpace(said) == "failed" || said == "" {
			t.Errorf("canaryjudge %s: exit 2 without saying why", strings.Join(args, " "))
		}
	}
}

// TestHelpAligned: the command list's summaries start in one column, two
// spaces past the longest command name.
func TestHelpAligned(t *testing.T) {
	e, out, _ := testEnv("", nil)
	if err := runEnv(context.Background(), e, []string{"--help"}); err != nil {
		t.Fatal(err)
	}
	col := -1
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(line, "  ") {
			continue
		}
		name := strings.Fields(line)[0]
		at := strings.Index(line[2+len(name):], strings.Fields(line[2+len(name):])[0]) + 2 + len(name)
		if col == -1 {
			col = at
		}
		if at != col || at-2-len(name) < 2 {
			t.Errorf("%q: summary at column %d, want %d with at least two spaces after the name", line, at, col)
		}
	}
	if col != 2+len("migrations")+2 {
		t.Errorf("summaries at column %d, want %d", col, 2+len("migrations")+2)
	}
}
