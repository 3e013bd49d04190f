package gameday

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sim"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// EmbeddedOptions configure StartEmbedded.
type EmbeddedOptions struct {
	// Classifier reads migration SQL (cmd wires sqlcheck.Classifier); nil
	// leaves SQL unknown, which escalates.
	Classifier engine.MigrationClassifier
	Logger     *slog.Logger // default: discard
	OpenAPI    []byte
	Version    string
}

// Embedded is the real server on the memory store, served over HTTP on a
// loopback listener, with a clock only the game day moves. Its outbox
// dispatcher runs as in `serve`; its sweeper runs when the clock passes.
type Embedded struct {
	URL   string
	Clock Clock
	stop  func()
}

// EmbeddedStart is the embedded server's time at start: a day after
// sim.T0, so that every window the generators stamp lies in its past.
var EmbeddedStart = sim.T0.Add(24 * time.Hour)

// StartEmbedded starts the embedded server; Close stops it.
func StartEmbedded(ctx context.Context, o EmbeddedOptions) (*Embedded, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	st := memory.New()
	clk := testclock.New(EmbeddedStart)
	srv := server.New(server.Config{OpenAPI: o.OpenAPI, Version: o.Version},
		server.Deps{Store: st, Logger: o.Logger, Now: clk.Now, Classifier: o.Classifier})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	d := notify.New(st, notify.Options{Now: clk.Now, PollInterval: 10 * time.Millisecond, Logger: o.Logger, Timeout: 5 * time.Second})
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(bg) })
	wg.Go(func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			o.Logger.Error("embedded server stopped", "error", err)
		}
	})
	e := &Embedded{URL: "http://" + ln.Addr().String(),
		Clock: embeddedClock{clock: clk, sweep: srv.Sweep}}
	e.stop = func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = hs.Shutdown(sctx)
		cancel()
		wg.Wait()
		st.Close()
	}
	return e, nil
}

// Close stops the server, the dispatcher and the store.
func (e *Embedded) Close() { e.stop() }
