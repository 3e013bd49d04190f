package postgres_test

import "github.com/canaryjudge/canaryjudge/judge"

func storetestPolicy() judge.Policy {
	return judge.Policy{Mode: judge.ModeDefault, Metrics: []judge.Metric{{Name: "m", Group: "g", Direction: judge.DirIncrease}}}
}
