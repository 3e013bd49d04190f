package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// arrivals records, per message id, every time a webhook receiver got it
// and when the message was created (from the payload).
type arrivals struct {
	mu      sync.Mutex
	at      map[int64][]time.Time
	created map[int64]time.Time
	path    map[int64]string
	summary map[int64]string
	by      map[string][]time.Time // X-Replica -> arrivals
	from    map[int64][]string     // id -> X-Replica of each arrival
}

// tagger is an HTTP transport whose requests say which replica sent
// them; it counts its requests in flight.
type tagger struct {
	replica  string
	delay    time.Duration // before each request is sent
	inFlight atomic.Int64
}

func (g *tagger) client() *http.Client { return &http.Client{Transport: g} }

func (g *tagger) RoundTrip(r *http.Request) (*http.Response, error) {
	g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	select {
	case <-r.Context().Done():
		return nil, r.Context().Err()
	case <-time.After(g.delay):
	}
	r = r.Clone(r.Context())
	r.Header.Set("X-Replica", g.replica)
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil { // the body is read by the caller: count the request done once it is
		resp.Body = countedBody{resp.Body, g}
		g.inFlight.Add(1)
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	g *tagger
}

func (b countedBody) Close() error {
	b.g.inFlight.Add(-1)
	return b.ReadCloser.Close()
}

// sentBy returns how many requests replica sent.
func (a *arrivals) sentBy(replica string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.by[replica])
}

func newArrivals() *arrivals {
	return &arrivals{at: map[int64][]time.Time{}, created: map[int64]time.Time{}, path: map[int64]string{}, summary: map[int64]string{}, by: map[string][]time.Time{},
		from: map[int64][]string{}}
}

// handler records a delivery, then answers 200 after delay.
func (a *arrivals) handler(delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		var p notify.WebhookPayload
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &p); err != nil || p.ID == 0 {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.at[p.ID] = append(a.at[p.ID], now)
		a.created[p.ID], a.path[p.ID], a.summary[p.ID] = p.CreatedAt, r.URL.Path, p.Summary
		a.by[r.Header.Get("X-Replica")] = append(a.by[r.Header.Get("X-Replica")], now)
		a.from[p.ID] = append(a.from[p.ID], r.Header.Get("X-Replica"))
		a.mu.Unlock()
		time.Sleep(delay)
	}
}

// first is each message's first arrival.
func (a *arrivals) first() map[int64]time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[int64]time.Time, len(a.at))
	for id, ts := range a.at {
		out[id] = slices.MinFunc(ts, func(x, y time.Time) int { return x.Compare(y) })
	}
	return out
}

// meta returns a message's creation time and the path it was sent to.
func (a *arrivals) meta(id int64) (time.Time, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.created[id], a.path[id]
}

// summaryOf returns a message's summary.
func (a *arrivals) summaryOf(id int64) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.summary[id]
}

// duplicates counts second and later arrivals: all of them, and those of
// messages first sent by a replica other than firstBy.
func (a *arrivals) duplicates(firstBy string) (all, others int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, ts := range a.at {
		all += len(ts) - 1
		if len(ts) > 1 && a.from[id][0] != firstBy {
			others += len(ts) - 1
		}
	}
	return all, others
}

// pager enqueues escalations: every page pages every sink of policy v1
// for one of the releases, in turn, as a decision's unit of work does.
type pager struct {
	st        store.Full
	sinks     []judge.Sink
	releases  []string
	mu        sync.Mutex
	ok, fail  int
	committed map[string]time.Time // summary -> when its unit of work committed
}

func (p *pager) escalate(ctx context.Context, i int) {
	rel, now := p.releases[i%len(p.releases)], time.Now()
	err := p.st.InRelease(ctx, rel, func(tx store.ReleaseTx) error {
		msgs := make([]outbox.Message, len(p.sinks))
		for j, s := range p.sinks {
			msgs[j] = outbox.Message{ReleaseID: rel, Kind: outbox.KindPage, Summary: fmt.Sprintf("%s page %d", rel, i),
				Severity: outbox.SeverityCritical, Details: json.RawMessage(`{"action":"escalate"}`), Sink: outbox.RefOf(1, j, s), CreatedAt: now}
		}
		return tx.Enqueue(ctx, msgs...)
	})
	p.mu.Lock()
	if err != nil {
		p.fail++
	} else {
		p.ok++
		if p.committed == nil {
			p.committed = map[string]time.Time{}
		}
		p.committed[fmt.Sprintf("%s page %d", rel, i)] = time.Now()
	}
	p.mu.Unlock()
}

// committedAt is when the escalation whose pages have this summary
// committed (its pages became claimable then).
func (p *pager) committedAt(summary string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.committed[summary]
	return at, ok
}

// run escalates every interval until stop is closed.
func (p *pager) run(interval time.Duration, stop <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		p.escalate(ctx, i)
		cancel()
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

func (p *pager) counts() (ok, fail int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ok, p.fail
}

// webhooks returns n webhook sinks on srv, one path each.
func webhooks(srv *httptest.Server, prefix string, n int) []judge.Sink {
	out := make([]judge.Sink, n)
	for i := range out {
		out[i] = judge.Sink{Kind: outbox.SinkWebhook, URL: fmt.Sprintf("%s/%s%d", srv.URL, prefix, i)}
	}
	return out
}

// quantile is the q-quantile of ds (nearest rank); 0 for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
