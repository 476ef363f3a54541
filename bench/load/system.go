package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func build(ctx context.Context, root, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, output)
	}
	return nil
}

// gitDescribe names the commit measured, and says when the tree has changes.
func gitDescribe(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if status, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(status) > 0 {
		commit += " with uncommitted changes"
	}
	return commit
}

// toolResult is how a command of Samen's ran.
type toolResult struct {
	elapsed time.Duration
	maxRSS  int64 // bytes
	output  string
}

func runTool(ctx context.Context, p paths, env []string, bin string, args ...string) (toolResult, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Dir = env, p.root
	start := time.Now()
	out, err := cmd.CombinedOutput()
	res := toolResult{elapsed: time.Since(start), output: string(out)}
	if err != nil {
		return res, fmt.Errorf("samen %s: %v\n%s", args[0], err, out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSS = ru.Maxrss << 10 // Linux reports kilobytes
	}
	return res, nil
}

// server is Samen or the ceiling, running under the bench.
type server struct {
	name, addr string
	cmd        *exec.Cmd
	exited     chan struct{}
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

func startServer(ctx context.Context, name, bin, logPath, addr string, env []string) (*server, error) {
	if ln, err := net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("%s: %s is taken (BENCH_PORT picks other ports): %w", name, addr, err)
	} else {
		_ = ln.Close()
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &server{name: name, addr: addr, cmd: exec.Command(bin), exited: make(chan struct{})}
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, logFile, logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = s.cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(s.url("/healthz")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				logf("%s is serving on http://%s (pid %d)", name, addr, s.cmd.Process.Pid)
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%s stopped at start; see %s", name, logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s did not answer /healthz within a minute; see %s", name, logPath)
		}
	}
}

// stop asks the server to stop (SIGTERM), and kills it after 30 seconds.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// machine describes where the bench ran.
type machine struct {
	cores                        int
	memory                       string
	cpu, kernel, goVersion, wrkV string
}

func readMachine(ctx context.Context) (machine, error) {
	m := machine{cores: runtime.NumCPU(), cpu: "unknown CPU"}
	out, err := exec.CommandContext(ctx, "wrk", "-v").CombinedOutput()
	if len(out) == 0 {
		return m, fmt.Errorf("wrk is needed (apt-get install wrk): %v", err)
	}
	m.wrkV, _, _ = strings.Cut(string(out), " Copyright")
	m.wrkV = strings.TrimSpace(m.wrkV)
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.goVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if v, err := procField("/proc/cpuinfo", "model name"); err == nil {
		m.cpu = v
	}
	if v, err := procField("/proc/meminfo", "MemTotal"); err == nil {
		kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	return m, nil
}

// procField reads the first "name: value" line of a /proc file.
func procField(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("%s: no %s", path, name)
}

// residence is a process's resident memory, in bytes, from /proc/<pid>/status.
type residence struct {
	rss, hwm int64 // now and at its peak
	anon     int64 // private: the Go runtime's heap, stacks and metadata
	file     int64 // pages of the program's file (and libraries) it has mapped
}

// memory reads a process's resident memory.
func memory(pid int) (residence, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	var m residence
	for name, into := range map[string]*int64{"VmRSS": &m.rss, "VmHWM": &m.hwm, "RssAnon": &m.anon, "RssFile": &m.file} {
		v, err := procField(path, name)
		if err != nil {
			return residence{}, err
		}
		kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		*into = kb << 10
	}
	return m, nil
}

// cpuTimes are seconds of CPU: per process of interest, and the machine's.
type cpuTimes struct {
	samen, ceiling, postgres, busy float64
}

const clockTicks = 100 // USER_HZ: 100 on every Linux the bench runs on

// processCPU is a process's user and system time, in seconds; 0 when it is gone.
func processCPU(pid string) (float64, string) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, ""
	}
	open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
	if open < 0 || end < open {
		return 0, ""
	}
	fields := strings.Fields(string(b[end+1:])) // from the state on: utime is the 12th
	if len(fields) < 13 {
		return 0, ""
	}
	user, _ := strconv.ParseFloat(fields[11], 64)
	system, _ := strconv.ParseFloat(fields[12], 64)
	return (user + system) / clockTicks, string(b[open+1 : end])
}

func readCPU(samenPid, ceilingPid int) cpuTimes {
	var t cpuTimes
	t.samen, _ = processCPU(strconv.Itoa(samenPid))
	t.ceiling, _ = processCPU(strconv.Itoa(ceilingPid))
	if entries, err := os.ReadDir("/proc"); err == nil {
		for _, e := range entries {
			if e.Name()[0] < '0' || e.Name()[0] > '9' {
				continue
			}
			if cpu, comm := processCPU(e.Name()); comm == "postgres" {
				t.postgres += cpu
			}
		}
	}
	if line, err := firstLine("/proc/stat"); err == nil {
		fields := strings.Fields(line)[1:]
		for i, f := range fields {
			v, _ := strconv.ParseFloat(f, 64)
			if i != 3 && i != 4 && i < 8 { // all but idle and iowait; guest time is in user already
				t.busy += v / clockTicks
			}
		}
	}
	return t
}

func firstLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return line, nil
}

// weight is what a browser downloads for the home page, compressed as served.
type weight struct {
	encoding string
	parts    []weighed
}

type weighed struct {
	path, kind      string
	bytes, unpacked int64
}

func (w weight) total() (bytes, unpacked int64) {
	for _, p := range w.parts {
		bytes += p.bytes
		unpacked += p.unpacked
	}
	return bytes, unpacked
}

var assetRefs = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"`)

// acceptEncoding is what browsers send.
const acceptEncoding = "gzip, deflate, br, zstd"

func pageWeight(ctx context.Context, home string) (weight, error) {
	var w weight
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(url string, encoding string) ([]byte, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, "", err
		}
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %d", url, resp.StatusCode)
		}
		return body, resp.Header.Get("Content-Encoding"), err
	}
	page, _, err := fetch(home, "")
	if err != nil {
		return w, err
	}
	refs := []weighed{{path: "/", kind: "HTML"}}
	for _, m := range assetRefs.FindAllStringSubmatch(string(page), -1) {
		if m[1] != "" {
			refs = append(refs, weighed{path: m[1], kind: "CSS"})
		} else {
			refs = append(refs, weighed{path: m[2], kind: "JS"})
		}
	}
	base := strings.TrimSuffix(home, "/")
	for _, ref := range refs {
		packed, encoding, err := fetch(base+ref.path, acceptEncoding)
		if err != nil {
			return w, err
		}
		plain, _, err := fetch(base+ref.path, "")
		if err != nil {
			return w, err
		}
		if encoding == "" {
			encoding = "none"
		}
		if w.encoding == "" || !strings.Contains(w.encoding, encoding) {
			w.encoding = strings.TrimPrefix(w.encoding+", "+encoding, ", ")
		}
		ref.bytes, ref.unpacked = int64(len(packed)), int64(len(plain))
		ref.path = filepath.Base(ref.path)
		w.parts = append(w.parts, ref)
	}
	return w, nil
}
