package prometheus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/canaryjudge/canaryjudge/internal/redact"
	"github.com/canaryjudge/canaryjudge/source"
)

// Source is an opened Prometheus source.
type Source struct {
	name  string
	cfg   Config
	api   v1.API
	sleep func(ctx context.Context, d time.Duration) error
}

var _ source.Source = (*Source)(nil)

// Open returns a source for a validated config; see source.Backend.
func (Backend) Open(name string, raw json.RawMessage) (source.Source, error) {
	return New(name, raw)
}

// New opens a Prometheus source.
func New(name string, raw json.RawMessage) (*Source, error) {
	cfg, err := parse(raw)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.TLSClientConfig = &tls.Config{ServerName: cfg.TLS.ServerName, InsecureSkipVerify: cfg.TLS.InsecureSkipVerify} //nolint:gosec // the operator's choice, off by default
	if cfg.TLS.CAPEM != "" {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(cfg.TLS.CAPEM))
		tr.TLSClientConfig.RootCAs = pool
	}
	client, err := api.NewClient(api.Config{Address: cfg.URL, RoundTripper: authed{next: tr, cfg: cfg}})
	if err != nil {
		return nil, fmt.Errorf("prometheus source %s: %w", name, err)
	}
	return &Source{name: name, cfg: cfg, api: v1.NewAPI(client), sleep: sleepCtx}, nil
}

// authed adds the configured credentials to every request.
type authed struct {
	next http.RoundTripper
	cfg  Config
}

func (a authed) RoundTrip(r *http.Request) (*http.Response, error) {
	if a.cfg.BasicAuth == nil && a.cfg.BearerToken == "" {
		return a.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	if a.cfg.BasicAuth != nil {
		r.SetBasicAuth(a.cfg.BasicAuth.Username, a.cfg.BasicAuth.Password)
	} else {
		r.Header.Set("Authorization", "Bearer "+a.cfg.BearerToken)
	}
	return a.next.RoundTrip(r)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// queryRange runs one query with retries on 5xx and timeouts. It returns
// the matrix, how many requests it made, and an error that says what
// Prometheus answered (its error type, message and payload).
func (s *Source) queryRange(ctx context.Context, q string, start, end time.Time) (model.Matrix, int, error) {
	r := v1.Range{Start: start, End: end, Step: s.cfg.Step.Duration}
	backoff := s.cfg.Backoff.Duration
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, s.cfg.Timeout.Duration)
		val, _, _, err := s.api.QueryRange(actx, q, r, v1.WithTimeout(s.cfg.Timeout.Duration))
		timedOut := actx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			m, ok := val.(model.Matrix)
			if !ok {
				return nil, attempt + 1, fmt.Errorf("prometheus answered a %s, not a range vector (matrix)", val.Type())
			}
			return m, attempt + 1, nil
		}
		again := retryable(err, timedOut)
		err = describe(err, timedOut, s.cfg.Timeout.Duration)
		if attempt >= s.cfg.Retries || !again || ctx.Err() != nil {
			if attempt > 0 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt+1)
			}
			return nil, attempt + 1, err
		}
		if serr := s.sleep(ctx, backoff); serr != nil {
			return nil, attempt + 1, err
		}
		backoff *= 2
	}
}

// retryable: a 5xx, a Prometheus-side timeout, or our own attempt timeout
// or a connection failure. Bad queries (4xx, bad_data, execution errors)
// fail at once.
func retryable(err error, timedOut bool) bool {
	var ae *v1.Error
	if errors.As(err, &ae) {
		return ae.Type == v1.ErrServer || ae.Type == v1.ErrTimeout || (ae.Type == v1.ErrCanceled && timedOut)
	}
	return true // transport errors: refused, reset, DNS, our timeout
}

// describe makes err say what happened in one line.
func describe(err error, timedOut bool, limit time.Duration) error {
	if timedOut {
		return fmt.Errorf("no answer within the source timeout (%s)", limit)
	}
	var ae *v1.Error
	if errors.As(err, &ae) {
		msg := "prometheus: " + string(ae.Type) + ": " + ae.Msg
		if d := strings.TrimSpace(ae.Detail); d != "" && !strings.Contains(msg, d) {
			msg += ": " + truncate(oneLine(d), 2048)
		}
		return errors.New(msg)
	}
	return errors.New(truncate(oneLine(redact.ErrorText(err)), 2048)) // the URL's query may hold a credential
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
