package gctune

import (
	"io/fs"
	"math"
	"runtime/debug"
	"testing"
)

func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(name string) ([]byte, error) {
			if s, ok := m[name]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		}
	}
	unset := func(string) string { return "" }
	for _, c := range []struct {
		name  string
		env   func(string) string
		files map[string]string
		want  int64
	}{
		{"cgroup v2 limit", unset, map[string]string{cgroupFiles[0]: "1073741824\n"}, 966367641},
		{"cgroup v1 limit", unset, map[string]string{cgroupFiles[1]: "536870912\n"}, 483183820},
		{"v2 without a limit", unset, map[string]string{cgroupFiles[0]: "max\n", cgroupFiles[1]: "536870912"}, 0},
		{"v1 without a limit", unset, map[string]string{cgroupFiles[1]: "9223372036854771712\n"}, 0},
		{"no cgroup", unset, nil, 0},
		{"GOMEMLIMIT set", func(k string) string { return map[string]string{"GOMEMLIMIT": "200MiB"}[k] }, map[string]string{cgroupFiles[0]: "1073741824"}, 0},
	} {
		debug.SetMemoryLimit(math.MaxInt64)
		got := ApplyMemoryLimit(c.env, files(c.files))
		now := debug.SetMemoryLimit(-1)
		want := c.want
		if want == 0 {
			want = math.MaxInt64 // left as it was
		}
		if got != c.want || now != want {
			t.Errorf("%s: returned %d, runtime limit %d; want %d", c.name, got, now, want)
		}
	}
}
