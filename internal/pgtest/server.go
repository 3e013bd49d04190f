package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// start finds or starts a server and returns its maintenance URL, which
// source served, and how to stop what was started.
func start(ctx context.Context) (string, string, func(), error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u, "DATABASE_URL", nil, ping(ctx, u)
	}
	u, stop, err := startLocal(ctx)
	return u, "local cluster", stop, err
}

func ping(ctx context.Context, u string) error {
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// startLocal runs initdb and postgres from the machine's PostgreSQL binaries.
func startLocal(ctx context.Context) (string, func(), error) {
	c, err := newLocal(ctx)
	if err != nil {
		return "", nil, err
	}
	return c.url("postgres"), c.remove, nil
}

// local is a throwaway cluster: a data directory and, while running, its
// postgres process, always on the same port.
type local struct {
	bin, dir, data string
	port           int
	cred           *syscall.Credential
	mu             sync.Mutex
	srv            *exec.Cmd
	exited         chan struct{}
}

// newLocal initialises a cluster in a temp dir and starts it.
func newLocal(ctx context.Context) (*local, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &local{bin: bin, dir: dir, data: filepath.Join(dir, "data")}
	if c.cred, err = unprivileged(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if c.port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.remove()
		return nil, err
	}
	return c, nil
}

func (c *local) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// start runs postgres and waits until it accepts connections.
func (c *local) start(ctx context.Context) error {
	args := []string{"-D", c.data, "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "log_min_messages=fatal", "-c", "max_wal_size=1GB"}
	if os.Getenv("PGTEST_DURABLE") != "1" { // tests need no durability; benchmarks compared with pgbench keep it
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	srv := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	logf, _ := os.OpenFile(filepath.Join(c.dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = srv.Wait(); close(exited) }()
	c.mu.Lock()
	c.srv, c.exited = srv, exited
	c.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ping(ctx, c.url("postgres"))
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			return fmt.Errorf("postgres exited at start: %v; log: %s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			return fmt.Errorf("postgres did not accept connections within 30s: %v; log: %s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop stops postgres with sig (SIGINT: fast shutdown; SIGQUIT: immediate,
// as `pg_ctl stop -m immediate`, no checkpoint) and waits for it.
func (c *local) stop(sig syscall.Signal) {
	c.mu.Lock()
	srv, exited := c.srv, c.exited
	c.srv = nil
	c.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = srv.Process.Kill()
		<-exited
	}
}

// remove stops postgres and deletes the cluster.
func (c *local) remove() {
	c.stop(syscall.SIGINT)
	os.RemoveAll(c.dir)
}

func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server binaries (initdb) under /usr/lib/postgresql/*/bin or on PATH; install the postgresql package or set DATABASE_URL")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// unprivileged returns the credential to run PostgreSQL with (it refuses to
// run as root) and hands dir to that user. Nil when not root.
func unprivileged(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and found no unprivileged user (postgres, nobody) to run PostgreSQL as")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
