package promtest

import "time"

// Canaries is 70 minutes from t0, scraped every 15 s, of one baseline and
// one canary track per app (label app=APP, track=baseline|canary). Each
// canary is its baseline with small offsets of its own (a little less
// traffic, +2 % latency and CPU): healthy. The canary of app bad, when
// bad names one of apps, has 5x the error ratio and +40 % latency (p99
// too): a regression.
func Canaries(t0 time.Time, bad string, apps ...string) Data {
	base := Track{Track: "baseline", RPS: 50, ErrorRatio: 0.005, LatencyMedian: 0.1, CPU: 0.5, CheckoutRPS: 5, CheckoutSuccess: 0.97}
	var tracks []Track
	for _, app := range apps {
		b := base
		b.App = app
		c := b
		c.Track, c.RPS, c.LatencyMedian, c.CPU = "canary", 48, 0.102, 0.51
		if app == bad {
			c.ErrorRatio, c.LatencyMedian = 5*b.ErrorRatio, 1.4*b.LatencyMedian
		}
		tracks = append(tracks, b, c)
	}
	return Data{Start: t0, End: t0.Add(70 * time.Minute), Scrape: 15 * time.Second, Tracks: tracks, Seed: 11}
}
