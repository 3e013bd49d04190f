package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSources(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "sources.yaml")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := loadSources(write("sources:\n  - name: prom\n    type: prometheus\n    config: {url: 'http://prometheus:9090', step: 30s, bearer_token: tok}\n"))
	if err != nil || len(got) != 1 || !strings.Contains(string(got["prom"].Config), `"step":"30s"`) || got["prom"].Type != "prometheus" {
		t.Fatalf("loadSources = %+v, %v", got, err)
	}
	for doc, want := range map[string]string{
		"sources:\n  - name: Prom\n    type: prometheus\n    config: {url: 'http://x'}\n":                                                                "sources[0].name",
		"sources:\n  - name: p\n    type: opentsdb\n    config: {}\n":                                                                                    "sources[0].type",
		"sources:\n  - name: p\n    type: prometheus\n    config: {url: 'ftp://x'}\n":                                                                    "config.url",
		"sources:\n  - name: p\n    type: prometheus\n    config: {url: 'http://x'}\n  - name: p\n    type: prometheus\n    config: {url: 'http://y'}\n": "defined twice",
		"sourcez: []\n": "unknown field",
	} {
		if _, err := loadSources(write(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", doc, err, want)
		}
	}
	if got, err := loadSources(""); err != nil || len(got) != 0 {
		t.Fatalf("no file: %v, %v", got, err)
	}
}
