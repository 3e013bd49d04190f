package prometheus

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Per-instance metrics (metric.instance_label, e.g. pod): the query returns
// one series per instance, such as sum by (pod) (rate(...{ {{scope}} }[1m])),
// and each series becomes one instance of the side (judge.Instances), so
// the judge treats instances as replicates. The label's value names the
// instance; characters an instance name cannot hold become "_".

// badInstanceChars are the characters an instance name cannot hold.
var badInstanceChars = regexp.MustCompile(`[^A-Za-z0-9_.:-]`)

// instanceName turns a label value into an instance name.
func instanceName(v string) string {
	n := badInstanceChars.ReplaceAllString(v, "_")
	if len(n) > 128 {
		n = n[:128]
	}
	if n != "" && strings.ContainsAny(n[:1], ".:-") {
		n = "_" + n[1:]
	}
	return n
}

// takeInstances keeps a per-instance query's series by instance name, or
// fails the job when a series lacks the label, two series name the same
// instance, or there are more than judge.MaxInstances.
func takeInstances(j *job, m model.Matrix) {
	label := model.LabelName(j.metric.InstanceLabel)
	fail := func(format string, args ...any) {
		j.err = fmt.Errorf(format, args...)
		j.asked.Problem = j.err.Error()
	}
	switch {
	case len(m) == 0:
		j.asked.Problem = "empty result: no series matched"
		return
	case len(m) > judge.MaxInstances:
		fail("returned %d series, more than the %d instances a metric may have", len(m), judge.MaxInstances)
		return
	}
	j.byInst = make(map[string]*model.SampleStream, len(m))
	from := map[string]string{}
	for _, ss := range m {
		v, ok := ss.Metric[label]
		name := instanceName(string(v))
		switch {
		case !ok || v == "":
			fail("series %s has no label %s (instance_label): keep it in the result, e.g. sum by (%s) (...)", ss.Metric, label, label)
			return
		case from[name] != "":
			fail("series %s and %s both give instance %q: aggregate the other labels away, e.g. sum by (%s) (...)", from[name], ss.Metric, name, label)
			return
		}
		from[name] = ss.Metric.String()
		j.byInst[name] = ss
		j.asked.Points += len(ss.Values)
	}
}

// assembleInstances puts one per-instance metric's data for one side into
// sd: a series per instance, or for a count metric each instance's events
// paired with its totals (an instance with totals but no events series
// has 0 events; events without totals are left out).
func assembleInstances(sd judge.Side, m judge.Metric, js map[string]*job) {
	in := judge.Instances{Series: map[string][]float64{}, Counts: map[string]judge.Count{}}
	if m.Kind != judge.KindCount {
		j := js[""]
		if j == nil || j.byInst == nil {
			return
		}
		inf := 0
		for name, ss := range j.byInst {
			in.Series[name] = values(ss, &inf)
		}
		noteInf(j, inf)
		sd.Instances[m.Name] = in
		return
	}
	ev, tot := js[partEvents], js[partTotal]
	if tot == nil || tot.byInst == nil {
		return
	}
	var noEvents []string
	for name, ts := range tot.byInst {
		es := ev.byInst[name]
		if es == nil {
			noEvents = append(noEvents, name)
		}
		in.Counts[name] = pairCounts(es, ts)
	}
	if len(noEvents) > 0 {
		slices.Sort(noEvents)
		ev.asked.Problem = fmt.Sprintf("no events series for %d instance(s) (%s); counted as 0 events at every point of their totals", len(noEvents), strings.Join(noEvents, ", "))
	}
	sd.Instances[m.Name] = in
}
