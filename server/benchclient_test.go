package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The decision-path benchmarks' clients run in a process of their own:
// this test binary again, started with benchClientEnv set (TestMain hands
// it to runBenchClients). The benchmark's process is then the server
// alone, so its CPU is canaryjudge's; the clients' CPU is reported apart.

const benchClientEnv = "CANARYJUDGE_BENCH_CLIENTS"

// benchClientConfig is what the client process is told.
type benchClientConfig struct {
	URL     string `json:"url"`
	Clients int    `json:"clients"`
	Prefill int    `json:"prefill"` // windows each client's first release gets before timing
	N       int    `json:"n"`       // decisions timed, over all clients
	T0      int64  `json:"t0"`      // the server's clock, Unix seconds (windows are stamped a year before)
}

// benchProcess is a running client process.
type benchProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startBenchClients starts the client process and waits until its
// clients have their releases (prefilled).
func startBenchClients(b *testing.B, cfg benchClientConfig) *benchProcess {
	js, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchClientEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &benchProcess{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if !p.out.Scan() || p.out.Text() != "ready" {
		b.Fatalf("the client process did not get ready: %q %v", p.out.Text(), p.out.Err())
	}
	return p
}

// run lets the clients go and returns each decision's latency and the
// client process's CPU.
func (p *benchProcess) run(b *testing.B) (lat []time.Duration, cpu time.Duration) {
	if _, err := io.WriteString(p.stdin, "go\n"); err != nil {
		b.Fatal(err)
	}
	for p.out.Scan() {
		line := p.out.Text()
		if v, ok := strings.CutPrefix(line, "cpu "); ok {
			ns, _ := strconv.ParseInt(v, 10, 64)
			cpu = time.Duration(ns)
			continue
		}
		ns, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			b.Fatalf("client process: %q", line)
		}
		lat = append(lat, time.Duration(ns))
	}
	if err := p.cmd.Wait(); err != nil {
		b.Fatalf("client process: %v", err)
	}
	return lat, cpu
}

// runBenchClients is the client process (see startBenchClients): it
// prefills, says "ready", waits for "go" on stdin, sends cfg.N decisions
// from cfg.Clients clients at once, then writes each latency (ns, one a
// line) and its own CPU ("cpu <ns>") to stdout.
func runBenchClients(config string) int {
	var cfg benchClientConfig
	if err := json.Unmarshal([]byte(config), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench clients:", err)
		return 2
	}
	bodies := benchBodies(benchWindows)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	clients := make([]*benchClient, cfg.Clients)
	for i := range clients {
		clients[i] = &benchClient{url: cfg.URL, t0: time.Unix(cfg.T0, 0).UTC(), client: client, bodies: bodies, next: &next, sent: i * 5}
		clients[i].start()
		for clients[i].windows < cfg.Prefill {
			clients[i].decide()
		}
	}
	fmt.Println("ready")
	if line, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil || line != "go\n" {
		fmt.Fprintln(os.Stderr, "bench clients: no go:", err)
		return 2
	}
	cpu0 := cpuTime()
	var wg sync.WaitGroup
	var done atomic.Int64
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done.Add(1) <= int64(cfg.N) {
				c.timed = append(c.timed, c.decide())
			}
		}()
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	w := bufio.NewWriter(os.Stdout)
	for _, c := range clients {
		for _, d := range c.timed {
			fmt.Fprintln(w, d.Nanoseconds())
		}
	}
	fmt.Fprintf(w, "cpu %d\n", cpu.Nanoseconds())
	if err := w.Flush(); err != nil {
		return 1
	}
	return 0
}

// benchClient drives one release at a time.
type benchClient struct {
	url     string
	t0      time.Time // the server's clock
	client  *http.Client
	bodies  [][2][]byte // windows' bodies, around their start and end
	sent    int         // windows sent: the next body is bodies[sent % len]
	next    *atomic.Int64
	release string
	windows int
	timed   []time.Duration
	body    []byte       // the request being sent
	out     bytes.Buffer // the response read
}

// fail ends the client process: the benchmark then fails on its exit.
func (c *benchClient) fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench clients: "+format+"\n", args...)
	os.Exit(1)
}

// start creates the client's next release.
func (c *benchClient) start() {
	body := fmt.Sprintf(`{"service":"bench","target":"t%d","version":"v2","baseline_version":"v1"}`, c.next.Add(1))
	resp, err := c.client.Post(c.url+"/v1/releases", "application/json", strings.NewReader(body))
	if err != nil {
		c.fail("create a release: %v", err)
	}
	defer resp.Body.Close()
	var rel struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&rel); err != nil || resp.StatusCode != 201 {
		c.fail("create a release: %d %v", resp.StatusCode, err)
	}
	c.release, c.windows = rel.ID, 0
}

// decide sends the release's next window (one minute long, in the past)
// and starts a new release when the decision ends this one.
func (c *benchClient) decide() time.Duration {
	w0 := c.t0.Add(-24 * 365 * time.Hour).Add(time.Duration(c.windows) * time.Minute)
	body := c.bodies[c.sent%len(c.bodies)]
	c.sent++
	// The client reuses its buffers, as a lean real client would.
	c.body = append(append(append(append(append(c.body[:0], body[0]...), w0.Format(time.RFC3339)...), `","end":"`...), w0.Add(time.Minute).Format(time.RFC3339)...), body[1]...)
	t0 := time.Now()
	resp, err := c.client.Post(c.url+"/v1/releases/"+c.release+"/analyses", "application/json", bytes.NewReader(c.body))
	if err != nil {
		c.fail("%v", err)
	}
	c.out.Reset()
	_, _ = c.out.ReadFrom(resp.Body)
	resp.Body.Close()
	took := time.Since(t0)
	if resp.StatusCode != 200 {
		c.fail("status %d: %s", resp.StatusCode, c.out.Bytes())
	}
	c.windows++
	if !bytes.Contains(c.out.Bytes(), []byte(`"action":"wait"`)) {
		c.start()
	}
	return took
}
