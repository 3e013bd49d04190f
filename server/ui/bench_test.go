package ui_test

import (
	"testing"
)

// BenchmarkReportPage serves the demo story's report page over HTTP (the
// in-memory store): build, charts, template and transfer.
func BenchmarkReportPage(b *testing.B) {
	s := memSite(b, false)
	path := "/ui/releases/" + s.story.RolledBack
	b.ReportAllocs()
	for b.Loop() {
		if p := s.get(b, path); p.status != 200 {
			b.Fatalf("status %d", p.status)
		}
	}
}
