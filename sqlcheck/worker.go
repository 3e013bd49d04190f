package sqlcheck

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/canaryjudge/canaryjudge/judge"
)

// The protocol between Pool and its worker processes: one JSON object per
// line each way. A request carries one migration; the answer is its
// check, or the error Classify returned.

type workerRequest struct {
	SQL string `json:"sql"`
}

type workerAnswer struct {
	Check *judge.MigrationCheck `json:"check,omitempty"`
	Limit *LimitError           `json:"limit,omitempty"`
	Error string                `json:"error,omitempty"`
}

// ServeWorker answers requests from r on w until r ends: the child side of
// Pool (`canaryjudge migrations worker`). If PostgreSQL's parser crashes
// on a request, this process dies and the parent answers for it.
func ServeWorker(r io.Reader, w io.Writer) error {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriter(w)
	for {
		line, err := in.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		var req workerRequest
		var ans workerAnswer
		if err := json.Unmarshal(line, &req); err != nil {
			ans.Error = "worker: bad request: " + err.Error()
		} else {
			ans = classifyForWorker(req.SQL)
		}
		b, err := json.Marshal(ans)
		if err != nil {
			return err
		}
		if _, err := out.Write(append(b, '\n')); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
}

// workerLimits are the worker's own limits (the parent checked them
// already; tests turn both off to reach a real crash).
var workerLimits = DefaultLimits

func classifyForWorker(sql string) workerAnswer {
	if le := workerLimits.Check(sql); le != nil {
		return workerAnswer{Limit: le}
	}
	ch := New()
	ch.Limits = Limits{} // checked just above
	c, err := ch.Check(context.Background(), sql)
	if err != nil {
		return workerAnswer{Error: err.Error()}
	}
	return workerAnswer{Check: &c}
}
