package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// exportHeader is the first row of the CSV export (the contract).
var exportHeader = strings.Split("id,title,url,status,category,tags,votes,comments,author,assignee,impact,effort,score,source,created_at", ",")

// exportResult is what streaming GET /admin/export/ideas.csv once measured.
type exportResult struct {
	want, rows       int64 // ideas the team may see; rows read (without the header)
	bytes            int64
	firstByte, total time.Duration
	// Samen's resident memory (VmRSS) and Go heap in use
	// (go_memstats_heap_inuse_bytes from /metrics) before the request, at
	// their highest while it streamed (sampled every exportSample), and after.
	rssBefore, rssPeak, rssAfter    int64
	heapBefore, heapPeak, heapAfter int64
	samples                         int
}

const exportSample = 20 * time.Millisecond

// measureExport downloads the CSV export as the team member (a session of
// its own), parses every row with encoding/csv as it arrives, and samples
// Samen's memory meanwhile. Before, it has Samen collect its garbage (through
// its profiler), so that the heap before is what Samen holds, not what the
// runs before left.
func measureExport(ctx context.Context, db *database, samenURL, pprofAddr string, pid int, session string) (*exportResult, error) {
	res := &exportResult{}
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM ideas WHERE state <> 'deleted'`).Scan(&res.want)
	if err != nil {
		return nil, fmt.Errorf("export: count the ideas: %w", err)
	}
	heap := func() int64 {
		status, body, err := request(ctx, http.MethodGet, samenURL+"/metrics", http.Header{})
		if err != nil || status != http.StatusOK {
			return 0
		}
		for line := range strings.SplitSeq(body, "\n") {
			if v, ok := strings.CutPrefix(line, "go_memstats_heap_inuse_bytes "); ok {
				f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				return int64(f)
			}
		}
		return 0
	}
	rss := func() int64 {
		m, _ := memory(pid)
		return m.rss
	}
	if _, _, err := request(ctx, http.MethodGet, "http://"+pprofAddr+"/debug/pprof/heap?gc=1", http.Header{}); err != nil {
		return nil, fmt.Errorf("export: collect Samen's garbage: %w", err)
	}
	res.rssBefore, res.heapBefore = rss(), heap()
	res.rssPeak, res.heapPeak = res.rssBefore, res.heapBefore

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(exportSample)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				res.rssPeak, res.heapPeak = max(res.rssPeak, rss()), max(res.heapPeak, heap())
				res.samples++
			}
		}
	}()
	err = streamExport(ctx, samenURL, session, res)
	close(done)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	res.rssAfter, res.heapAfter = rss(), heap()
	if res.rows != res.want {
		return nil, fmt.Errorf("export: %d rows, want one per idea the team may see: %d", res.rows, res.want)
	}
	return res, nil
}

// countingReader counts the bytes read through it and notes the first.
type countingReader struct {
	r     io.Reader
	n     int64
	start time.Time
	first time.Duration
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 && c.n == 0 {
		c.first = time.Since(c.start)
	}
	c.n += int64(n)
	return n, err
}

func streamExport(ctx context.Context, samenURL, session string, res *exportResult) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, samenURL+"/admin/export/ideas.csv", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Cookie", "samen_session="+session)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("export: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	body := &countingReader{r: resp.Body, start: start}
	rows := csv.NewReader(body)
	header, err := rows.Read()
	if err != nil {
		return fmt.Errorf("export: the header: %w", err)
	}
	if !slices.Equal(header, exportHeader) {
		return fmt.Errorf("export: header %q, want %q", header, exportHeader)
	}
	for {
		_, err := rows.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("export: row %d: %w", res.rows+1, err)
		}
		res.rows++
	}
	res.total, res.firstByte, res.bytes = time.Since(start), body.first, body.n
	return nil
}

// exportMarkdown describes the export's run, for the team's section.
func (r *report) exportMarkdown(b *strings.Builder) {
	e := r.export
	if e == nil {
		return
	}
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
	fmt.Fprintf(b, "\n### CSV export (`GET /admin/export/ideas.csv`), the team member\n\n")
	fmt.Fprintf(b, "After the runs above, the bench downloads the export once as the team member (a session of its own), on its own\n"+
		"(no other load), and parses every row with Go's `encoding/csv` as it arrives: the header is the contract's and there is\n"+
		"one row per idea the team may see (%s, every idea that is not deleted). Meanwhile it samples Samen's resident memory\n"+
		"(`/proc/<pid>/status` VmRSS) and Go heap in use (`go_memstats_heap_inuse_bytes` from `/metrics`) every %s\n"+
		"(%d samples), after a garbage collection (`/debug/pprof/heap?gc=1`) just before.\n\n", num(e.want), exportSample, e.samples)
	fmt.Fprintf(b, "| rows | size | first byte | whole file | rows/s | resident memory before → peak → after | Go heap in use before → peak → after |\n")
	fmt.Fprintf(b, "| ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s → %s → %s (peak +%s) | %s → %s → %s (peak +%s) |\n",
		num(e.rows), mb(e.bytes), ms(e.firstByte), e.total.Round(time.Millisecond), num(int64(float64(e.rows)/e.total.Seconds()+0.5)),
		mb(e.rssBefore), mb(e.rssPeak), mb(e.rssAfter), mb(e.rssPeak-e.rssBefore),
		mb(e.heapBefore), mb(e.heapPeak), mb(e.heapAfter), mb(e.heapPeak-e.heapBefore))
}
