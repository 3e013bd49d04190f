package engine

import (
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// WindowTimes is an analysis window's span, [Start, End). Bake time,
// min_windows and the lifetime are measured in window time, so a tool can
// backfill windows and a test can replay a release without waiting.
type WindowTimes struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Window limits: a window is at most a day long, and may end at most this
// far in the future (clock skew between the tool and canaryjudge).
const (
	MaxWindowLength = 24 * time.Hour
	MaxClockSkew    = time.Minute
)

// validate checks a window on its own (nil: the server picks the span).
func (w *WindowTimes) validate(now time.Time) error {
	if w == nil {
		return nil
	}
	v := &judge.ValidationError{}
	switch {
	case w.Start.IsZero():
		v.Add("window.start", "required (RFC 3339), with window.end")
	case w.End.IsZero():
		v.Add("window.end", "required (RFC 3339), with window.start")
	case !w.End.After(w.Start):
		v.Add("window.end", fmt.Sprintf("must be after window.start (%s)", w.Start.UTC().Format(time.RFC3339Nano)))
	case w.End.Sub(w.Start) > MaxWindowLength:
		v.Add("window.end", fmt.Sprintf("a window is at most %s long (this one is %s)", MaxWindowLength, w.End.Sub(w.Start)))
	case w.End.After(now.Add(MaxClockSkew)):
		v.Add("window.end", fmt.Sprintf("is in the future (now is %s); a window is judged after it ends", now.Format(time.RFC3339)))
	}
	return v.Err()
}

// WindowConflictError: the window repeats, overlaps or precedes an earlier
// window of the release (windows are sent in time order). It names that
// window and unwraps to store.ErrConflict.
type WindowConflictError struct {
	Seq        int       `json:"seq"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	NewStart   time.Time `json:"-"`
	NewEnd     time.Time `json:"-"`
	Overlapped bool      `json:"-"`
}

func (e *WindowConflictError) Error() string {
	what := "starts before the end of"
	if e.Overlapped {
		what = "overlaps"
	}
	return fmt.Sprintf("window [%s, %s) %s analysis #%d's window [%s, %s); windows of a release are sent in time order without overlap",
		e.NewStart.Format(time.RFC3339Nano), e.NewEnd.Format(time.RFC3339Nano), what, e.Seq,
		e.Start.Format(time.RFC3339Nano), e.End.Format(time.RFC3339Nano))
}

// Unwrap makes errors.Is(err, store.ErrConflict) true.
func (e *WindowConflictError) Unwrap() error { return store.ErrConflict }

// windowSpan returns the window's span: the requested one, checked against
// the release's latest window (windows are sent in time order without
// overlap, so a window that overlaps or precedes any earlier one starts
// before the latest one ends), or [end of the previous window, now).
func windowSpan(req *WindowTimes, run judge.Running, created, now time.Time) (WindowTimes, error) {
	last := created
	if run.Windows > 0 {
		last = run.LastEnd
	}
	if req == nil {
		start := last
		if start.After(now) {
			start = now
		}
		return WindowTimes{Start: start, End: now}, nil
	}
	span := WindowTimes{Start: req.Start.UTC().Truncate(time.Microsecond), End: req.End.UTC().Truncate(time.Microsecond)}
	if run.Windows > 0 && span.Start.Before(last) {
		return span, &WindowConflictError{Seq: run.Windows, Start: run.LastStart, End: last, NewStart: span.Start, NewEnd: span.End,
			Overlapped: run.LastStart.Before(span.End)}
	}
	return span, nil
}
