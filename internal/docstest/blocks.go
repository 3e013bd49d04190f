// Package docstest runs the documentation: every shell block of README.md
// and docs/**/*.md, in order, against a fresh server, so that every
// documented command works as written (TestDocs).
//
// A block is a fenced code block tagged sh, bash or shell. An HTML comment
// on the line(s) right before its fence says where it runs:
//
//	<!-- docs: memory -->             the in-memory server (the default)
//	<!-- docs: postgres -->           PostgreSQL with authentication on
//	<!-- docs: memory postgres -->    both
//	<!-- docs: prometheus -->         needs the local Prometheus ($PROM)
//	<!-- docs: skip: REASON -->       not executable, and why
//
// Blocks of one file run in one shell, in order, so later blocks use the
// variables earlier ones set (ids, tokens): never placeholders.
package docstest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Sessions a block may run in.
const (
	Memory   = "memory"
	Postgres = "postgres"
)

// Block is one shell block of a Markdown file.
type Block struct {
	File string // relative to the repository
	Line int    // of the opening fence
	Text string
	// Sessions are where it runs (Memory, Postgres); Skip, when set, is
	// why it is not executable.
	Sessions   []string
	Skip       string
	Prometheus bool // it needs $PROM, the local Prometheus
}

// Where is "FILE:LINE".
func (b Block) Where() string { return fmt.Sprintf("%s:%d", b.File, b.Line) }

// In reports whether b runs in session s.
func (b Block) In(s string) bool {
	for _, x := range b.Sessions {
		if x == s {
			return true
		}
	}
	return false
}

var (
	fence      = regexp.MustCompile("^(```+|~~~+)\\s*([A-Za-z0-9_+-]*)")
	annotation = regexp.MustCompile(`^<!--\s*docs:\s*(.*?)\s*-->\s*$`)
	shellLike  = regexp.MustCompile(`^\s*(curl|go run|canaryjudge|scripts/|bash |[A-Z_]+=)`)
)

// shells are the fence tags of shell blocks.
var shells = map[string]bool{"sh": true, "bash": true, "shell": true}

// Files lists README.md, then the Markdown files under docs/ in name
// order, relative to root.
func Files(root string) ([]string, error) {
	out := []string{"README.md"}
	var docs []string
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			docs = append(docs, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(docs)
	return append(out, docs...), err
}

// Parse reads the shell blocks of file (relative to root). An unknown
// annotation, a skip without a reason, an unclosed fence or an untagged
// block that looks like shell is an error.
func Parse(root, file string) ([]Block, error) {
	f, err := os.Open(filepath.Join(root, file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out     []Block
		notes   []string // annotations right above the current line
		cur     *Block   // the shell block being read
		other   bool     // reading a block of another language
		sniff   bool     // ...untagged: its first line must not look like shell
		closing string
		body    []string
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur != nil || other {
			if t := strings.TrimSpace(line); strings.HasPrefix(t, closing) && strings.Trim(t, closing[:1]) == "" {
				if cur != nil {
					cur.Text = strings.Join(body, "\n") + "\n"
					out = append(out, *cur)
				}
				cur, other, body = nil, false, nil
				continue
			}
			if sniff && shellLike.MatchString(line) {
				return nil, fmt.Errorf("%s:%d: an untagged code block that looks like shell: tag it sh (and it runs) or text", file, n)
			}
			sniff = false
			body = append(body, line)
			continue
		}
		if m := annotation.FindStringSubmatch(line); m != nil {
			notes = append(notes, m[1])
			continue
		}
		m := fence.FindStringSubmatch(line)
		if m == nil {
			if !strings.HasPrefix(strings.TrimSpace(line), "<!--") {
				notes = nil
			}
			continue
		}
		closing = m[1]
		switch {
		case shells[m[2]]:
			b, err := annotate(Block{File: file, Line: n}, notes)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, n, err)
			}
			cur = &b
		default: // another language, or untagged: read to its end, not run
			other, sniff = true, m[2] == ""
		}
		notes = nil
	}
	if cur != nil || other {
		return nil, fmt.Errorf("%s: a code block is never closed", file)
	}
	return out, sc.Err()
}

// annotate applies the docs annotations above a block.
func annotate(b Block, notes []string) (Block, error) {
	for _, note := range notes {
		if rest, ok := strings.CutPrefix(note, "skip"); ok {
			b.Skip = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
			if b.Skip == "" {
				return b, fmt.Errorf("docs: skip needs a reason (<!-- docs: skip: WHY -->)")
			}
			continue
		}
		for _, w := range strings.Fields(note) {
			switch w {
			case Memory, Postgres:
				b.Sessions = append(b.Sessions, w)
			case "prometheus":
				b.Prometheus = true
			default:
				return b, fmt.Errorf("docs: unknown annotation %q (memory, postgres, prometheus, skip: REASON)", w)
			}
		}
	}
	if len(b.Sessions) == 0 {
		b.Sessions = []string{Memory}
	}
	return b, nil
}

// placeholder matches what a reader would have to replace by hand: an
// ellipsis in an id or a value, <ANGLE> or YOUR_ words.
var placeholder = regexp.MustCompile(`[a-z]+_(\.\.\.|…)|\.\.\.[^ ]|…|<[A-Z][A-Z_-]*>|YOUR[_-]`)

// Placeholders lists the placeholders in b's commands (comments are left
// out): blocks chain through variables instead.
func Placeholders(b Block) []string {
	var out []string
	for i, code := range strings.Split(stripComments(b.Text), "\n") {
		for _, m := range placeholder.FindAllString(code, -1) {
			out = append(out, fmt.Sprintf("%s:%d: %q", b.File, b.Line+1+i, m))
		}
	}
	return out
}

// stripComments blanks shell comments (a # at a line's start or after a
// blank, outside quotes, to the end of its line), keeping every line; a
// quoted string may span lines.
func stripComments(text string) string {
	var b strings.Builder
	var quote rune
	prev, comment := '\n', false
	for _, c := range text {
		switch {
		case c == '\n':
			comment = false
		case comment:
			continue
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
			comment = true
			continue
		}
		b.WriteRune(c)
		prev = c
	}
	return b.String()
}
