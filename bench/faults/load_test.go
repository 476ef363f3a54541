package faults

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// requestTimeout is the client's patience: a request that has no answer
// within it hung.
const requestTimeout = 10 * time.Second

// result is one request of the load and what came of it.
type result struct {
	at         time.Time
	took       time.Duration
	status     int // 0: no answer
	retryAfter bool
	hung       bool
	err        string
}

// load drives page views, votes and comments through the load balancer at
// a steady rate and remembers every answer, and every write the client saw
// acknowledged.
type load struct {
	lb     string
	client *http.Client

	mu      sync.Mutex
	results []result
	// votes is what the client knows of each member's vote on each idea:
	// voted or not, as last acknowledged; absent from the start of each
	// request until its acknowledgement, and after a request whose
	// outcome the client cannot know (an error, no answer).
	votes map[voteKey]knownVote
	acks  int
	// comments are the bodies of acknowledged comments, by the time of
	// the acknowledgement.
	comments []ackedComment
}

type voteKey struct {
	token string
	idea  int64
}

// knownVote is an acknowledged vote state and the number of the
// acknowledgement, which tells two acknowledgements of one state apart.
type knownVote struct {
	voted bool
	ack   int
}

type ackedComment struct {
	at   time.Time
	body string
}

func newLoad(lb string) *load {
	return &load{
		lb:     "http://" + lb,
		client: &http.Client{Timeout: requestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		votes:  map[voteKey]knownVote{},
	}
}

// send makes one request and records its result; it returns the status (0
// without an answer) and the body.
func (l *load) send(method, path, token, body string) (int, []byte) {
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, l.lb+path, reader)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	r := result{at: time.Now()}
	resp, err := l.client.Do(req)
	var page []byte
	if err == nil {
		page, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		r.status = resp.StatusCode
		r.retryAfter = resp.Header.Get("Retry-After") != ""
	}
	r.took = time.Since(r.at)
	if err != nil {
		var netErr net.Error
		r.hung = errors.As(err, &netErr) && netErr.Timeout()
		r.err = err.Error()
		if r.status == 0 || r.hung {
			r.status = 0
		}
	}
	l.mu.Lock()
	l.results = append(l.results, r)
	l.mu.Unlock()
	return r.status, page
}

// run starts the load's workers until ctx ends and returns a wait for them.
// Each comment replies to the comment parents holds for its idea.
func (l *load) run(ctx context.Context, pages []string, voters []string, commenters []string, ideas []int64, parents map[int64]int64) func() {
	var wg sync.WaitGroup
	every := func(period time.Duration, f func(n int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(period)
			defer tick.Stop()
			for n := 0; ctx.Err() == nil; n++ {
				f(n)
				select {
				case <-ctx.Done():
				case <-tick.C:
				}
			}
		}()
	}
	for _, path := range pages {
		every(100*time.Millisecond, func(int) { l.send(http.MethodGet, path, "", "") })
	}
	for _, token := range voters {
		every(200*time.Millisecond, func(n int) { l.toggleVote(token, ideas[n%len(ideas)]) })
	}
	for i, token := range commenters {
		every(300*time.Millisecond, func(n int) {
			idea := ideas[n%len(ideas)]
			body := fmt.Sprintf("fault-harness-comment-%d-%d-%d", i, n, time.Now().UnixNano())
			status, _ := l.send(http.MethodPost, fmt.Sprintf("/api/v1/ideas/%d/comments", idea), token,
				fmt.Sprintf(`{"body":%q,"parent_id":%d}`, body, parents[idea]))
			if status == http.StatusCreated {
				l.mu.Lock()
				l.comments = append(l.comments, ackedComment{at: time.Now(), body: body})
				l.mu.Unlock()
			}
		})
	}
	return wg.Wait
}

// toggleVote votes when the member's vote is not known to be there, and
// withdraws it when it is; an acknowledgement makes the new state known.
func (l *load) toggleVote(token string, idea int64) {
	key := voteKey{token, idea}
	l.mu.Lock()
	voted := l.votes[key].voted
	delete(l.votes, key) // unknown until acknowledged
	l.mu.Unlock()
	method := http.MethodPost
	if voted {
		method = http.MethodDelete
	}
	status, body := l.send(method, fmt.Sprintf("/api/v1/ideas/%d/vote", idea), token, "")
	if status != http.StatusOK {
		return
	}
	var v struct{ Voted bool }
	if json.Unmarshal(body, &v) != nil {
		return
	}
	l.mu.Lock()
	l.acks++
	l.votes[key] = knownVote{v.Voted, l.acks}
	l.mu.Unlock()
}

// between returns the results of the requests started in [from, to).
func (l *load) between(from, to time.Time) []result {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []result
	for _, r := range l.results {
		if !r.at.Before(from) && r.at.Before(to) {
			out = append(out, r)
		}
	}
	return out
}

// knownVotes copies what the client knows of the votes.
func (l *load) knownVotes() map[voteKey]knownVote {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[voteKey]knownVote, len(l.votes))
	for k, v := range l.votes {
		out[k] = v
	}
	return out
}

// ackedComments returns the acknowledged comments up to now.
func (l *load) ackedComments() []ackedComment {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ackedComment(nil), l.comments...)
}

// lastFailure is the start of the last request in [from, to) that got no
// 2xx answer, or the zero time.
func lastFailure(results []result) time.Time {
	var last time.Time
	for _, r := range results {
		if r.status/100 != 2 && r.at.After(last) {
			last = r.at
		}
	}
	return last
}
