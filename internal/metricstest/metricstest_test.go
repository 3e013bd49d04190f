package metricstest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestSum(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c_total"}, []string{"a", "b"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h_seconds"})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "g"})
	reg.MustRegister(c, h, g)
	c.WithLabelValues("x", "1").Add(2)
	c.WithLabelValues("x", "2").Add(3)
	c.WithLabelValues("y", "1").Add(5)
	h.Observe(1)
	h.Observe(2)
	g.Set(7)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"c_total", nil, 10}, {"c_total", []string{"a", "x"}, 5}, {"c_total", []string{"a", "x", "b", "2"}, 3},
		{"c_total", []string{"a", "z"}, 0}, {"h_seconds", nil, 2}, {"g", nil, 7}, {"missing", nil, 0},
	} {
		if got := Sum(t, reg, tc.name, tc.labels...); got != tc.want {
			t.Errorf("Sum(%s, %v) = %g, want %g", tc.name, tc.labels, got, tc.want)
		}
	}
}
