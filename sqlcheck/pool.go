package sqlcheck

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Pool classifies migrations in child processes, so that a fault in
// PostgreSQL's parser (a SIGSEGV in C code, which Go's recover cannot
// catch) ends one child instead of the server. Its workers are started
// on demand, kept for later requests, and replaced when one dies or runs
// past the time budget; the request that killed it gets a parser-fault
// finding (unknown), never an error. SQL over DefaultLimits is refused
// here, before any child sees it. Safe for concurrent use.
type Pool struct {
	limits  Limits
	argv    []string
	env     []string
	stderr  io.Writer
	timeout time.Duration
	slots   chan struct{}
	mu      sync.Mutex
	idle    []*worker
	closed  bool
	faults  atomic.Int64
}

// PoolOptions configure a Pool.
type PoolOptions struct {
	// Argv starts one worker: a program that runs ServeWorker on its
	// stdin and stdout (`canaryjudge migrations worker`).
	Argv []string
	Env  []string // added to the worker's environment
	Size int      // at most this many workers at once; 0 = 4
	// Timeout is the parse budget of one migration; past it the worker is
	// killed and the answer is parser-fault. 0 = 10s.
	Timeout time.Duration
	// Limits replaces DefaultLimits (tests turn them off to reach a crash).
	Limits *Limits
	// Stderr receives the workers' standard error (a Go crash report when
	// the parser faults); nil = the server's own.
	Stderr io.Writer
}

// NewPool returns a Pool; no process starts before the first Classify.
func NewPool(o PoolOptions) *Pool {
	if o.Size <= 0 {
		o.Size = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	l := DefaultLimits
	if o.Limits != nil {
		l = *o.Limits
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	return &Pool{limits: l, argv: o.Argv, env: o.Env, stderr: o.Stderr, timeout: o.Timeout, slots: make(chan struct{}, o.Size)}
}

// Faults counts the requests on which a worker died or ran out of time.
func (p *Pool) Faults() int64 { return p.faults.Load() }

// Classify implements engine.MigrationClassifier.
func (p *Pool) Classify(ctx context.Context, sql string) (judge.MigrationCheck, error) {
	if e := p.limits.Check(sql); e != nil {
		return judge.MigrationCheck{}, e
	}
	if validInput(sql) != "" {
		return New().Check(ctx, sql) // refused before any parsing (and JSON cannot carry it)
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return judge.MigrationCheck{}, ctx.Err()
	}
	defer func() { <-p.slots }()
	w, err := p.get()
	if err != nil {
		return judge.MigrationCheck{}, err
	}
	ans, err := w.ask(ctx, sql, p.timeout)
	if errors.Is(err, errNotSent) {
		// The worker was gone before it got the request (killed while
		// idle): not this SQL's fault; try once with a fresh one.
		if w, err = startWorker(p.argv, p.env, p.stderr); err != nil {
			return judge.MigrationCheck{}, err
		}
		ans, err = w.ask(ctx, sql, p.timeout)
	}
	switch {
	case err == nil:
		p.put(w)
	case ctx.Err() != nil:
		w.kill()
		return judge.MigrationCheck{}, ctx.Err()
	default:
		w.kill()
		p.faults.Add(1)
		return faultCheck(err), nil
	}
	switch {
	case ans.Limit != nil:
		return judge.MigrationCheck{}, ans.Limit
	case ans.Error != "" || ans.Check == nil:
		return judge.MigrationCheck{}, fmt.Errorf("sqlcheck worker: %s", ans.Error)
	}
	return *ans.Check, nil
}

// faultCheck is the answer for SQL the parser process failed on.
func faultCheck(err error) judge.MigrationCheck {
	m := &migration{}
	m.find(&statement{n: 1, line: 1}, "parser-fault", err.Error())
	return m.result()
}

// Close stops every idle worker; busy ones stop when their request ends.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, w := range p.idle {
		w.kill()
	}
	p.idle = nil
	return nil
}

func (p *Pool) get() (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("sqlcheck: the pool is closed")
	}
	for n := len(p.idle); n > 0; n = len(p.idle) {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		select {
		case <-w.done: // died while idle
			continue
		default:
		}
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	return startWorker(p.argv, p.env, p.stderr)
}

func (p *Pool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.kill()
		return
	}
	p.idle = append(p.idle, w)
}

var errNotSent = errors.New("the request did not reach the parser process")

// worker is one child process.
type worker struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	done chan struct{} // closed when the process has exited
}

func startWorker(argv, env []string, stderr io.Writer) (*worker, error) {
	if len(argv) == 0 {
		return nil, errors.New("sqlcheck: no worker command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	// A Go crash report (the parser's SIGSEGV) lands in the server's log.
	// The child ends when its stdin does, which the kernel closes when the
	// server exits, however it exits.
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sqlcheck: start worker: %w", err)
	}
	w := &worker{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10), done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(w.done) }()
	return w, nil
}

// ask sends one request and waits for the answer, the worker's death, the
// time budget or ctx, whichever comes first.
func (w *worker) ask(ctx context.Context, sql string, budget time.Duration) (workerAnswer, error) {
	b, err := json.Marshal(workerRequest{SQL: sql})
	if err != nil {
		return workerAnswer{}, err
	}
	type result struct {
		ans workerAnswer
		err error
	}
	got := make(chan result, 1)
	go func() {
		if _, err := w.in.Write(append(b, '\n')); err != nil {
			got <- result{err: fmt.Errorf("%w: %v", errNotSent, err)}
			return
		}
		line, err := w.out.ReadBytes('\n')
		var ans workerAnswer
		if err == nil {
			err = json.Unmarshal(line, &ans)
		}
		got <- result{ans, err}
	}()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case r := <-got:
		if errors.Is(r.err, errNotSent) {
			w.kill()
			return workerAnswer{}, r.err
		}
		if r.err != nil {
			return workerAnswer{}, w.death(r.err)
		}
		return r.ans, nil
	case <-timer.C:
		return workerAnswer{}, fmt.Errorf("the parser took longer than %v", budget)
	case <-ctx.Done():
		return workerAnswer{}, ctx.Err()
	}
}

// death describes why a worker stopped answering.
func (w *worker) death(err error) error {
	w.kill()
	<-w.done
	if st := w.cmd.ProcessState; st != nil {
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("the parser process died (%v)", ws.Signal())
		}
		return fmt.Errorf("the parser process died (%v)", st)
	}
	return fmt.Errorf("the parser process failed: %w", err)
}

func (w *worker) kill() {
	_ = w.in.Close()
	_ = w.cmd.Process.Kill()
}
