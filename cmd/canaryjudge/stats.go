package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

const statsUsage = `usage: canaryjudge stats <subcommand>

subcommands:
  mw    Mann-Whitney U test with Hodges-Lehmann estimate (JSON lines on stdin)

Run 'canaryjudge stats mw --help' for its input and output.
`

const statsMWSynopsis = `stats mw < requests.jsonl

Reads one JSON request per line from stdin and writes one JSON line per
request to stdout, in order (blank lines are skipped). A request:

  {"x":[...],"y":[...],"alternative":"two-sided","mu":0,"conf_level":0.95,
   "exact":"auto","correct":true,"conf_int":true}

x is the canary, y the baseline; every field but x and y is optional, with
the defaults shown (R's wilcox.test). alternative: two-sided|greater|less;
exact: auto|exact|normal, or true/false. The answer:

  {"W":..,"p_value":..,"estimate":..,"conf_int":[lo,hi],"method":"exact|normal",
   "z":..,"ties":..,"n":..,"m":..,"achieved_conf_level":..}

estimate is the Hodges-Lehmann shift x - y. A value is null when it is
undefined or unbounded (the open end of a one-sided interval, z of the exact
method). When every value is identical the line also has "warning". A bad
request gives {"error":"...","line":N}; the others are still answered and the exit
status is 1.`

// cmdStats dispatches the statistics subcommands.
func cmdStats(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, statsUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, statsUsage)
		return nil
	case "mw":
		return cmdStatsMW(ctx, e, args[1:])
	}
	fmt.Fprint(e.stderr, statsUsage)
	return usageError("stats: unknown subcommand %q", args[0])
}

func cmdStatsMW(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "stats mw", statsMWSynopsis)
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "stats mw: reads stdin; unexpected argument", strconv.Quote(fs.Arg(0)))
		return errUsage
	}
	in := bufio.NewReaderSize(e.stdin, 1<<16)
	out := bufio.NewWriter(e.stdout)
	failed := 0
	for lineNo := 1; ; lineNo++ {
		if err := ctx.Err(); err != nil {
			out.Flush()
			return err
		}
		line, readErr := in.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			out.Flush()
			return fmt.Errorf("stats mw: reading stdin: %w", readErr)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			resp, ok := answerMW(line, lineNo)
			if !ok {
				failed++
			}
			b, _ := json.Marshal(resp) // only numbers, strings and bools
			out.Write(append(b, '\n'))
			if err := out.Flush(); err != nil {
				return fmt.Errorf("stats mw: writing stdout: %w", err)
			}
		}
		if readErr != nil {
			break
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "stats mw: %d request(s) failed\n", failed)
		return errSilent
	}
	return nil
}

// answerMW runs one request line; ok is false when it gets an error line.
func answerMW(line []byte, lineNo int) (any, bool) {
	fail := func(msg string) (any, bool) { return mwError{Error: msg, Line: lineNo}, false }
	var req mwRequest
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fail("bad request: " + err.Error())
	}
	if dec.More() {
		return fail("bad request: more than one JSON value on the line")
	}
	opt, err := req.options()
	if err != nil {
		return fail(err.Error())
	}
	x, err := parseSample("x", req.X)
	if err != nil {
		return fail("bad request: " + err.Error())
	}
	y, err := parseSample("y", req.Y)
	if err != nil {
		return fail("bad request: " + err.Error())
	}
	res, err := stats.MannWhitney(x, y, opt)
	warning := ""
	switch {
	case errors.Is(err, stats.ErrAllTied):
		warning = err.Error()
	case err != nil:
		return fail(err.Error())
	}
	return newMWResponse(res, warning), true
}

type mwRequest struct {
	X           json.RawMessage `json:"x"` // parsed by parseSample, much faster
	Y           json.RawMessage `json:"y"` // than decoding into []float64
	Alternative *string         `json:"alternative"`
	Mu          *float64        `json:"mu"`
	ConfLevel   *float64        `json:"conf_level"`
	Exact       exactField      `json:"exact"`
	Correct     *bool           `json:"correct"`
	ConfInt     *bool           `json:"conf_int"`
}

// options applies R's defaults to the fields the request left out.
func (r mwRequest) options() (stats.Options, error) {
	opt := stats.DefaultOptions()
	if r.Alternative != nil {
		opt.Alternative = stats.Alternative(*r.Alternative)
		if *r.Alternative == "two.sided" { // R's spelling
			opt.Alternative = stats.TwoSided
		}
	}
	if r.Mu != nil {
		opt.Mu = *r.Mu
	}
	if r.ConfLevel != nil {
		opt.ConfLevel = *r.ConfLevel
		if opt.ConfLevel == 0 { // 0 would mean "default" to stats.Options
			return opt, fmt.Errorf("%w: conf_level 0 must be in (0,1)", stats.ErrOption)
		}
	}
	if r.Exact != "" {
		opt.Exact = stats.ExactMode(r.Exact)
	}
	if r.Correct != nil {
		opt.Correct = *r.Correct
	}
	if r.ConfInt != nil {
		opt.ConfInt = *r.ConfInt
	}
	return opt, nil
}

// parseSample reads a JSON array of numbers that the decoder has already
// checked is valid JSON. Anything but a number (null, a string, a nested
// value) is refused rather than read as 0, and so is a number beyond float64.
func parseSample(name string, raw json.RawMessage) ([]float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil // missing: MannWhitney reports the empty sample
	}
	if raw[0] != '[' {
		return nil, fmt.Errorf("%s must be an array of numbers", name)
	}
	body := bytes.TrimSpace(raw[1 : len(raw)-1])
	if len(body) == 0 {
		return nil, nil
	}
	out := make([]float64, 0, bytes.Count(body, []byte{','})+1)
	for i, elem := range bytes.Split(body, []byte{','}) {
		elem = bytes.TrimSpace(elem)
		f, err := strconv.ParseFloat(string(elem), 64)
		if err != nil || !isJSONNumber(elem) {
			return nil, fmt.Errorf("%s[%d] must be a finite number, got %.40s", name, i, elem)
		}
		out = append(out, f)
	}
	return out, nil
}

// isJSONNumber tells a JSON number from the other values that ParseFloat
// would also accept ("Infinity", "NaN").
func isJSONNumber(b []byte) bool {
	return len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9'))
}

// exactField accepts "auto" | "exact" | "normal" or true/false (as R's exact).
type exactField string

func (x *exactField) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		*x = ""
	case bool:
		*x = exactField(stats.ExactNormal)
		if v {
			*x = exactField(stats.ExactForce)
		}
	case string:
		*x = exactField(v)
	default:
		return fmt.Errorf("exact must be auto, exact, normal, true or false, got %s", b)
	}
	return nil
}

type mwError struct {
	Error string `json:"error"`
	Line  int    `json:"line"` // 1-based line of stdin
}

type mwResponse struct {
	W                 jsonFloat    `json:"W"`
	PValue            jsonFloat    `json:"p_value"`
	Estimate          jsonFloat    `json:"estimate"`
	ConfInt           [2]jsonFloat `json:"conf_int"`
	Method            string       `json:"method"`
	Z                 jsonFloat    `json:"z"`
	Ties              bool         `json:"ties"`
	N                 int          `json:"n"`
	M                 int          `json:"m"`
	AchievedConfLevel jsonFloat    `json:"achieved_conf_level"`
	Warning           string       `json:"warning,omitempty"`
}

func newMWResponse(r stats.Result, warning string) mwResponse {
	return mwResponse{
		W: jsonFloat(r.W), PValue: jsonFloat(r.PValue), Estimate: jsonFloat(r.Estimate),
		ConfInt: [2]jsonFloat{jsonFloat(r.ConfInt[0]), jsonFloat(r.ConfInt[1])},
		Method:  string(r.Method), Z: jsonFloat(r.Z), Ties: r.Ties, N: r.N, M: r.M,
		AchievedConfLevel: jsonFloat(r.AchievedConfLevel), Warning: warning,
	}
}

// jsonFloat writes NaN and ±Inf as null and other values in shortest
// round-trip form.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}
