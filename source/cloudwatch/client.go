package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Source is an opened CloudWatch source.
type Source struct {
	*sourcekit.Fetcher
	cfg    Config
	client *cw.Client
}

// Open returns a source for a validated config; see source.Backend. The
// SDK's own retryer is off: sourcekit's transport bounds, retries and
// counts every attempt (a signed request may be sent again within its
// validity), and treats CloudWatch's Throttling answer as a rate limit.
func (Backend) Open(name string, raw json.RawMessage) (source.Source, error) {
	cfg, err := parse(raw)
	if err != nil {
		return nil, err
	}
	hc := cfg.Client(nil)
	hc.Transport.(*sourcekit.Transport).RateLimited = throttled
	s := &Source{cfg: cfg, client: cw.New(cw.Options{
		Region:       cfg.Region,
		BaseEndpoint: aws.String(strings.TrimSuffix(cfg.URL, "/")),
		Credentials:  credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		HTTPClient:   hc,
		Retryer:      aws.NopRetryer{},
	})}
	s.Fetcher = &sourcekit.Fetcher{Name: name, Backend: "cloudwatch", Q: s, Step: cfg.Step.Duration, Concurrency: cfg.Concurrency}
	return s, nil
}

// throttled recognises CloudWatch's throttling answer (400 with the query
// error code Throttling; the protocol also names it in X-Amzn-Query-Error).
func throttled(r *http.Response) bool {
	return strings.HasPrefix(r.Header.Get("X-Amzn-Query-Error"), "Throttling")
}

// Render implements sourcekit.Querier.
func (s *Source) Render(q string, sc source.Scope, _ sourcekit.Window) (string, error) {
	return Render(q, sc)
}

var groupByRE = regexp.MustCompile(`(?i)\bGROUP\s+BY\s+"?([A-Za-z_][A-Za-z0-9_]*)"?\s*(?:ORDER|LIMIT|$)`)

// Query runs GetMetricData over the window, every page. Each datapoint is
// stamped at the start of its period; it becomes a point at its end.
func (s *Source) Query(ctx context.Context, q string, w sourcekit.Window) ([]sourcekit.Series, error) {
	period := aws.Int32(int32(w.Step.Seconds()))
	in := &cw.GetMetricDataInput{StartTime: aws.Time(w.Start), EndTime: aws.Time(w.End), ScanBy: types.ScanByTimestampAscending}
	ret, group := "q", ""
	if isInsights(q) {
		in.MetricDataQueries = []types.MetricDataQuery{{Id: aws.String("q"), Expression: aws.String(q), Period: period, ReturnData: aws.Bool(true)}}
		if m := groupByRE.FindStringSubmatch(q); m != nil {
			group = m[1]
		}
	} else {
		m, err := parseMath(q)
		if err != nil {
			return nil, err
		}
		in.MetricDataQueries, ret = mathQueries(m, period), m.Return
	}
	byLabel := map[string]*sourcekit.Series{}
	var order []string
	pages := cw.NewGetMetricDataPaginator(s.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, describe(err)
		}
		for _, r := range page.MetricDataResults {
			if aws.ToString(r.Id) != ret {
				continue
			}
			if r.StatusCode == types.StatusCodeForbidden || r.StatusCode == types.StatusCodeInternalError {
				return nil, fmt.Errorf("cloudwatch: query %s: status %s", ret, r.StatusCode)
			}
			label := aws.ToString(r.Label)
			ser := byLabel[label]
			if ser == nil {
				ser = &sourcekit.Series{Labels: map[string]string{"label": label}}
				if group != "" {
					ser.Labels[group] = label
				}
				byLabel[label] = ser
				order = append(order, label)
			}
			for i := range min(len(r.Timestamps), len(r.Values)) {
				ser.Points = append(ser.Points, sourcekit.Point{T: r.Timestamps[i].Add(w.Step), V: r.Values[i]})
			}
		}
		for _, m := range page.Messages {
			if code := aws.ToString(m.Code); code != "" && code != "MaxQueryTimeRangeExceed" {
				return nil, fmt.Errorf("cloudwatch: %s: %s", code, aws.ToString(m.Value))
			}
		}
	}
	out := make([]sourcekit.Series, 0, len(order))
	for _, l := range order {
		out = append(out, *byLabel[l])
	}
	return out, nil
}

// mathQueries turns a math document into metric data queries: only the
// returned one returns data.
func mathQueries(m Math, period *int32) []types.MetricDataQuery {
	out := make([]types.MetricDataQuery, 0, len(m.Queries))
	for _, mq := range m.Queries {
		q := types.MetricDataQuery{Id: aws.String(mq.ID), ReturnData: aws.Bool(mq.ID == m.Return)}
		if mq.Expression != "" {
			q.Expression, q.Period = aws.String(mq.Expression), period
		} else {
			metric := &types.Metric{Namespace: aws.String(mq.Namespace), MetricName: aws.String(mq.Metric)}
			for _, k := range sortedKeys(mq.Dimensions) {
				metric.Dimensions = append(metric.Dimensions, types.Dimension{Name: aws.String(k), Value: aws.String(mq.Dimensions[k])})
			}
			q.MetricStat = &types.MetricStat{Metric: metric, Period: period, Stat: aws.String(mq.Stat)}
		}
		out = append(out, q)
	}
	return out
}

// describe makes the SDK's error one line: CloudWatch's error code and
// message, or the transport's own error.
func describe(err error) error {
	var ae *sourcekit.AttemptError
	if errors.As(err, &ae) {
		return ae
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("cloudwatch: %s: %s", api.ErrorCode(), api.ErrorMessage())
	}
	return fmt.Errorf("cloudwatch: %v", err)
}
