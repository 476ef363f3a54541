package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hostileSearches are what the hostile clients ask for, each client starting
// at its own and going round them without pause: titles and queries of many
// one-letter words and of common short prefixes, the searches that cost the
// database the most before searches were bounded (one-letter words left out,
// two-letter words matched whole, at most 8 words, prefix indexes, a
// timeout), and common words of three letters and more, still prefixes,
// the most costly after. Similar ideas match any word, the search page every
// word. docs/benchmarks.md lists them.
var hostileSearches = []string{
	"/ideas/similar?title=" + url.QueryEscape("a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9"),
	"/search?q=" + url.QueryEscape("a b c d e f g h i j k l m n o p q r s t u v w x y z"),
	"/ideas/similar?title=" + url.QueryEscape("co re pr st in de ca ma pa ba se th an be fo wi to ch"),
	"/search?q=" + url.QueryEscape("th an co re st in"),
	"/ideas/similar?title=" + url.QueryEscape("the and for with you this that are"),
}

// hostileClients is how many hostile clients search at once.
const hostileClients = 8

// hostileResult is one database's measurement: the idea pages alone, then
// with the hostile searches running.
type hostileResult struct {
	dialect       string
	databaseURL   string // as the report may show it
	seed          *toolResult
	sizeMB        int64
	pages         int
	alone, beside []wrkRun
	searches      hostileStats
	command       string
}

// hostileStats count what the hostile searches were answered.
type hostileStats struct {
	requests  int64
	byStatus  map[int]int64
	failed    int64 // no answer (a client timeout or a broken connection)
	latencies []time.Duration
}

func (h *hostileResult) figures(runs []wrkRun) figures {
	var rps []float64
	var p50, p99 []time.Duration
	var f figures
	for _, r := range runs {
		rps, p50, p99 = append(rps, r.rps), append(p50, r.p50), append(p99, r.p99)
		f.errors += r.non2xx + r.socketErrors
	}
	f.rps, f.p50, f.p99 = median(rps), median(p50), median(p99)
	return f
}

// met: the page's p99 beside the hostile searches within 2× its p99 alone.
func (h *hostileResult) met() bool {
	alone, beside := h.figures(h.alone), h.figures(h.beside)
	return beside.p99 <= 2*alone.p99 && beside.errors == 0
}

// runHostile measures, on each database of BENCH_HOSTILE_DATABASES, the p99
// and requests/s of ordinary idea pages alone and then while hostile clients
// search without pause, with rate limits off so that only the cost of the
// searches shows. pgSeeded says the PostgreSQL database holds the bench data
// already (the rest of make bench ran on it).
func runHostile(ctx context.Context, cfg settings, p paths, samenBin string, pgSeeded bool) ([]*hostileResult, error) {
	var results []*hostileResult
	for _, dialect := range cfg.hostileDatabases {
		res := &hostileResult{dialect: dialect}
		databaseURL, seeded := cfg.databaseURL, pgSeeded
		switch dialect {
		case "postgres":
			name, _, _ := strings.Cut(cfg.databaseURL[strings.LastIndex(cfg.databaseURL, "/")+1:], "?")
			res.databaseURL = "postgres://…/" + name
			if !seeded {
				db, err := openDB(ctx, cfg.databaseURL)
				if err != nil {
					return nil, err
				}
				held, err := db.ideaCount(ctx)
				db.Close()
				if err != nil {
					return nil, err
				}
				if held > 0 && !cfg.keepData {
					return nil, fmt.Errorf("the database holds %d ideas already: the bench needs a fresh database "+
						"(createdb a new one), or BENCH_KEEP_DATA=1 to load the data that is there", held)
				}
				seeded = held > 0
			}
		case "sqlite":
			path := cfg.sqlitePath
			if !filepath.IsAbs(path) {
				path = filepath.Join(p.root, path)
			}
			databaseURL, res.databaseURL = "sqlite:"+path, "sqlite:"+p.rel(path)
			_, err := os.Stat(path)
			seeded = err == nil
			if seeded && !cfg.keepData {
				for _, f := range []string{path, path + "-wal", path + "-shm"} {
					if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
						return nil, err
					}
				}
				seeded = false
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, err
			}
		}
		env := []string{"PATH=" + os.Getenv("PATH"), "DATABASE_URL=" + databaseURL}
		if _, err := runTool(ctx, p, env, samenBin, "migrate"); err != nil {
			return nil, err
		}
		if !seeded {
			seed := fmt.Sprintf("seed --users %d --ideas %d --votes %d --comments %d", cfg.users, cfg.ideas, cfg.votes, cfg.comments)
			logf("hostile searches, %s: seeding: samen %s", dialect, seed)
			out, err := runTool(ctx, p, env, samenBin, strings.Fields(seed)...)
			if err != nil {
				return nil, err
			}
			res.seed = &out
			logf("seeded in %s (peak memory %d MB)", out.elapsed.Round(100*time.Millisecond), out.maxRSS>>20)
		} else {
			logf("hostile searches, %s: loading the data that is there, without seeding", dialect)
		}
		if err := measureHostile(ctx, cfg, p, samenBin, env, res); err != nil {
			return nil, err
		}
		if dialect == "sqlite" {
			res.sizeMB = fileSize(strings.TrimPrefix(databaseURL, "sqlite:")) >> 20
		}
		results = append(results, res)
	}
	return results, nil
}

func fileSize(path string) int64 {
	var n int64
	for _, f := range []string{path, path + "-wal"} {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}

func measureHostile(ctx context.Context, cfg settings, p paths, samenBin string, env []string, res *hostileResult) error {
	addr := fmt.Sprintf("127.0.0.1:%d", cfg.port+3)
	samen, err := startServer(ctx, "samen", samenBin, filepath.Join(p.out, "samen-hostile-"+res.dialect+".log"), addr, append(env,
		"SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure", "SAMEN_RATE_LIMITS=off", "SAMEN_ADDR="+addr, "SAMEN_BASE_URL=http://"+addr))
	if err != nil {
		return err
	}
	defer samen.stop()

	pages, err := ideaPages(ctx, samen, 1000)
	if err != nil {
		return err
	}
	res.pages = len(pages)
	pageFile := filepath.Join(p.out, "idea-pages-"+res.dialect+".txt")
	if err := os.WriteFile(pageFile, []byte(strings.Join(pages, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	args := func(d time.Duration) []string {
		return []string{"-t", strconv.Itoa(cfg.threads), "-c", strconv.Itoa(cfg.connections), "-d", d.String(), "--latency",
			"--timeout", "10s", "-s", filepath.Join("bench", "wrk", "pages.lua"), samen.url("/"), "--", p.rel(pageFile)}
	}
	res.command = "wrk " + strings.Join(args(cfg.duration), " ")
	wrk := func(d time.Duration, save string) (wrkRun, error) {
		cmd := exec.CommandContext(ctx, "wrk", args(d)...)
		cmd.Dir = p.root
		out, err := cmd.CombinedOutput()
		run := wrkRun{server: "samen", command: "wrk " + strings.Join(args(d), " "), output: string(out)}
		if err != nil {
			return run, fmt.Errorf("%s: %v\n%s", run.command, err, out)
		}
		if save != "" {
			if err := os.WriteFile(save, out, 0o644); err != nil {
				return run, err
			}
		}
		return run, parseWrk(&run)
	}
	logf("hostile searches, %s: warming up, %s", res.dialect, cfg.warmup)
	if _, err := wrk(cfg.warmup, ""); err != nil {
		return err
	}
	res.searches.byStatus = map[int]int64{}
	for i := range cfg.runs {
		alone, err := wrk(cfg.duration, filepath.Join(p.out, fmt.Sprintf("wrk-hostile-%s-alone-%d.txt", res.dialect, i+1)))
		if err != nil {
			return err
		}
		res.alone = append(res.alone, alone)
		stop := startHostile(ctx, samen, &res.searches)
		time.Sleep(time.Second) // the searches are under way before the pages are measured
		beside, err := wrk(cfg.duration, filepath.Join(p.out, fmt.Sprintf("wrk-hostile-%s-beside-%d.txt", res.dialect, i+1)))
		stop()
		if err != nil {
			return err
		}
		res.beside = append(res.beside, beside)
		logf("hostile searches, %s, run %d: the idea pages alone %.0f req/s p99 %s; beside %d hostile searches %.0f req/s p99 %s",
			res.dialect, i+1, alone.rps, alone.p99.Round(10*time.Microsecond), hostileClients, beside.rps, beside.p99.Round(10*time.Microsecond))
	}
	return nil
}

// ideaPages reads the paths of the newest published ideas from the API.
func ideaPages(ctx context.Context, srv *server, n int) ([]string, error) {
	var pages []string
	for page := 1; len(pages) < n; page++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url(fmt.Sprintf("/api/v1/ideas?sort=new&per_page=100&page=%d", page)), nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var list struct {
			Ideas []struct {
				URL string `json:"url"`
			} `json:"ideas"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("list ideas: %w", err)
		}
		if len(list.Ideas) == 0 {
			break
		}
		for _, idea := range list.Ideas {
			u, err := url.Parse(idea.URL)
			if err != nil {
				return nil, err
			}
			pages = append(pages, u.Path)
		}
	}
	if len(pages) == 0 {
		return nil, errors.New("the database holds no published ideas to load")
	}
	return pages[:min(n, len(pages))], nil
}

// startHostile sets hostileClients clients searching without pause, and
// returns the function that stops them and waits for them.
func startHostile(ctx context.Context, srv *server, stats *hostileStats) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: hostileClients}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range hostileClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := i; ctx.Err() == nil; k++ {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url(hostileSearches[k%len(hostileSearches)]), nil)
				if err != nil {
					return
				}
				start := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				took := time.Since(start)
				if ctx.Err() != nil {
					return // cut short by the end of the run: not counted
				}
				mu.Lock()
				stats.requests++
				if err != nil {
					stats.failed++
				} else {
					stats.byStatus[resp.StatusCode]++
				}
				stats.latencies = append(stats.latencies, took)
				mu.Unlock()
			}
		}()
	}
	return func() {
		cancel()
		wg.Wait()
		client.CloseIdleConnections()
	}
}

func (s *hostileStats) percentile(q float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return l[min(len(l)-1, int(q*float64(len(l))))]
}

// The hostile searches' section of docs/benchmarks.md lies between these markers.
const (
	hostileBegin = "<!-- make bench hostile: begin (written by bench/load; the next run replaces everything up to the end marker) -->"
	hostileEnd   = "<!-- make bench hostile: end -->"
)

func hostileMarkdown(cfg settings, m machine, commit string, started time.Time, results []*hostileResult) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("## Hostile searches beside an ordinary page (%s)\n\n", started.UTC().Format("2006-01-02"))
	if !cfg.full() {
		r := report{settings: cfg}
		w("> **A quick check, not the figures of record**: %s. The figures of record come from the default settings\n"+
			"> (3 runs of 15 s, 32 connections, the full data set).\n\n", r.quickSettings())
	}
	w("What it measures: the p99 and requests/s of ordinary idea pages (wrk, each request one of the %s newest ideas\n"+
		"drawn at random, so that the visitor page cache serves few of them and most reach the database), first alone,\n"+
		"then while %d hostile clients search without pause, each request waiting only for the one before; on\n"+
		"PostgreSQL and on SQLite, Samen in production mode with `SAMEN_RATE_LIMITS=off`, so that the search limit\n"+
		"does not hide what the searches cost. The target: the p99 beside the searches within 2× the p99 alone.\n\n",
		num(int64(results[0].pages)), hostileClients)
	w("- Command: `createdb samen_bench && DATABASE_URL=postgres://USER@HOST:5432/samen_bench?sslmode=disable make bench-hostile`\n" +
		"  (`BENCH_HOSTILE=only go run ./bench/load`) on a fresh database; the SQLite database is made anew in `bench/out/`.\n" +
		"  `make bench` runs the same after its endpoints, on its PostgreSQL database\n")
	w("- Measured: commit %s, %s\n", commit, started.UTC().Format("2006-01-02 15:04 UTC"))
	w("- Machine: %d cores (%s), %s memory, %s; PostgreSQL on the same machine; %s; %s\n", m.cores, m.cpu, m.memory, m.kernel, m.goVersion, m.wrkV)
	w("- Data: `samen seed --users %d --ideas %d --votes %d --comments %d` in each database\n", cfg.users, cfg.ideas, cfg.votes, cfg.comments)
	w("- Load: %d connections, %d wrk threads, %d × %s alone and %d × %s beside the searches, in turns, after %s of\n"+
		"  warm-up; the figures are the medians of the runs\n", cfg.connections, cfg.threads, cfg.runs, cfg.duration, cfg.runs, cfg.duration, cfg.warmup)
	w("- The hostile searches, each client starting at its own and going round them:\n")
	for _, h := range hostileSearches {
		u, _ := url.Parse(h)
		w("  - `%s` %s\n", u.Path, describeQuery(u.Query()))
	}
	w("\n| database | alone: req/s | p50 | p99 | beside the searches: req/s | p50 | p99 | p99 ratio | target | met? | the searches: answered | median | p99 | answers |\n")
	w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | --- |\n")
	for _, r := range results {
		a, bs := r.figures(r.alone), r.figures(r.beside)
		ratio := 0.0
		if a.p99 > 0 {
			ratio = float64(bs.p99) / float64(a.p99)
		}
		var answers []string
		statuses := make([]int, 0, len(r.searches.byStatus))
		for st := range r.searches.byStatus {
			statuses = append(statuses, st)
		}
		slices.Sort(statuses)
		for _, st := range statuses {
			answers = append(answers, fmt.Sprintf("%s × %d", num(r.searches.byStatus[st]), st))
		}
		if r.searches.failed > 0 {
			answers = append(answers, fmt.Sprintf("%s without an answer", num(r.searches.failed)))
		}
		name := "PostgreSQL"
		if r.dialect == "sqlite" {
			name = fmt.Sprintf("SQLite (%s MB)", num(r.sizeMB))
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %.2f× | p99 ≤ 2× alone, no errors | %s | %s | %s | %s | %s |\n", name,
			num(int64(a.rps+0.5)), ms(a.p50), ms(a.p99), num(int64(bs.rps+0.5)), ms(bs.p50), ms(bs.p99), ratio, yesNo(r.met()),
			num(r.searches.requests), ms(r.searches.percentile(0.5)), ms(r.searches.percentile(0.99)), strings.Join(answers, ", "))
	}
	w("\nEach run's p99 of the idea pages, alone → beside the searches:\n\n")
	for _, r := range results {
		var runs []string
		for i := range r.alone {
			runs = append(runs, ms(r.alone[i].p99)+" → "+ms(r.beside[i].p99))
		}
		w("- %s: %s\n", r.dialect, strings.Join(runs, " · "))
	}
	w("\nA search answered 503 was stopped at `SAMEN_SEARCH_TIMEOUT` (2 s by default). The wrk command, for each database:\n\n```sh\n")
	for _, r := range results {
		w("DATABASE_URL=%s SAMEN_ENV=production SAMEN_MAIL_LOG=allow-insecure SAMEN_RATE_LIMITS=off samen\n%s\n", r.databaseURL, r.command)
	}
	w("```\n")
	return b.String()
}

// describeQuery names a hostile search's words.
func describeQuery(q url.Values) string {
	for _, key := range []string{"title", "q"} {
		if v := q.Get(key); v != "" {
			return fmt.Sprintf("with %s=`%s` (%d words)", key, v, len(strings.Fields(v)))
		}
	}
	return ""
}
