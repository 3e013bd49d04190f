package query

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		raw, field string // field "" means the query is fine
	}{
		{"", ""},
		{"service=shop&limit=5", ""},
		{"cursor=abc_-09&state=halted&", ""},
		{"release=rel%5F1&x=%E2%82%AC", ""},
		{"flag", ""},
		{"cursor=%%%", "cursor"},
		{"cursor=%zz", "cursor"},
		{"release=%00", "release"},
		{"release=%ff", "release"},
		{"service=a;b", "service"},
		{"service=" + strings.Repeat("a", MaxValueBytes+1), "service"},
		{"service=" + strings.Repeat("a", MaxValueBytes), ""},
		{"%zz=1", "query"},
		{"=1", "query"},
		{"a%00b=1", "query"},
		{strings.Repeat("k", MaxNameBytes+1) + "=1", "query"},
	} {
		err := Check(c.raw)
		v, isValidation := judge.AsValidation(err)
		switch {
		case c.field == "" && err != nil:
			t.Errorf("Check(%.40q) = %v, want nil", c.raw, err)
		case c.field != "" && (!isValidation || len(v.Problems) != 1 || v.Problems[0].Field != c.field):
			t.Errorf("Check(%.40q) = %v, want one problem naming %q", c.raw, err, c.field)
		}
	}
}

// FuzzCheck: whatever Check accepts, url.ParseQuery parses to the same
// UTF-8 values without NUL, so no handler reads a query differently from
// what Check looked at.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"a=1", "cursor=%%%", "x=%00", "s=a;b", "=", "&&", "a=%E2%82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if Check(raw) != nil {
			return
		}
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("Check accepted %q, which ParseQuery refuses: %v", raw, err)
		}
		for k, vs := range q {
			for _, v := range vs {
				if strings.IndexByte(k+v, 0) >= 0 || len(v) > MaxValueBytes {
					t.Fatalf("Check accepted %q: %q=%q", raw, k, v)
				}
			}
		}
	})
}

func TestTimeCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 14, 12, 0, 0, 123456789, time.UTC)
	q := url.Values{"cursor": {TimeCursor(at, "rel_1:x")}}
	v := &judge.ValidationError{}
	got, id := AfterTime(q, v)
	if v.Err() != nil || got == nil || !got.Equal(at) || id != "rel_1:x" {
		t.Fatalf("AfterTime = %v %q %v", got, id, v.Err())
	}
	for _, bad := range []string{"!!!", Encode("nocolon"), Encode("x:1"), Encode("1:")} {
		v := &judge.ValidationError{}
		if got, _ := AfterTime(url.Values{"cursor": {bad}}, v); got != nil || v.Err() == nil {
			t.Errorf("AfterTime(%q) accepted it", bad)
		}
	}
}
