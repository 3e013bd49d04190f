package web

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a JSONPath-like selector, the subset Argo Rollouts' web provider
// and kubectl's jsonpath share: $ (the root, optional), .name, ['name'],
// [n] and [*]. It selects zero or more nodes of a decoded JSON document.
type Path []step

type step struct {
	key   string
	index int
	all   bool
	isKey bool
}

// ParsePath reads a selector such as $.data.result[*] or [1].
func ParsePath(s string) (Path, error) {
	orig := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "$")
	var p Path
	for s != "" {
		switch {
		case s[0] == '.':
			end := strings.IndexAny(s[1:], ".[")
			if end < 0 {
				end = len(s) - 1
			}
			if end == 0 {
				return nil, fmt.Errorf("path %q: empty name after '.'", orig)
			}
			p, s = append(p, step{key: s[1 : end+1], isKey: true}), s[end+1:]
		case strings.HasPrefix(s, "['"):
			end := strings.Index(s, "']")
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed ['...']", orig)
			}
			p, s = append(p, step{key: s[2:end], isKey: true}), s[end+2:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", orig)
			}
			in := s[1:end]
			if in == "*" {
				p = append(p, step{all: true})
			} else {
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("path %q: [%s] is neither an index nor *", orig, in)
				}
				p = append(p, step{index: n})
			}
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			p, s = append(p, step{key: s[:end], isKey: true}), s[end:]
		}
	}
	return p, nil
}

// Select returns the nodes p selects in v (a json.Unmarshal'ed value).
func (p Path) Select(v any) []any {
	nodes := []any{v}
	for _, st := range p {
		var next []any
		for _, n := range nodes {
			switch {
			case st.isKey:
				if m, ok := n.(map[string]any); ok {
					if c, ok := m[st.key]; ok {
						next = append(next, c)
					}
				}
			case st.all:
				switch c := n.(type) {
				case []any:
					next = append(next, c...)
				case map[string]any:
					for _, x := range c {
						next = append(next, x)
					}
				}
			default:
				if a, ok := n.([]any); ok && st.index < len(a) {
					next = append(next, a[st.index])
				}
			}
		}
		nodes = next
	}
	return nodes
}
