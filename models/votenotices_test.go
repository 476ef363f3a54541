package models_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"samen/models"
	"samen/models/modelstest"
)

// TestVotesAreToldTogetherAndNoneIsLost: votes cast at once on many ideas
// through one instance reach every listener in fewer notices than votes,
// and every idea whose count changed is named in one of them.
func TestVotesAreToldTogetherAndNoneIsLost(t *testing.T) {
	url := modelstest.URL(t, models.Postgres)
	s := modelstest.OpenURL(t, url, models.Options{})
	ctx := context.Background()
	listening(t, s)

	// Each member proposes an idea and votes for the next one's.
	const n = 40
	ideas := map[int64]bool{}
	voters := make([]*models.User, n)
	var order []int64
	for i := range n {
		var err error
		if voters[i], err = s.CreateUser(ctx, models.NewUser{Name: "Member " + strconv.Itoa(i), Email: "m" + strconv.Itoa(i) + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		idea, err := s.CreateIdea(ctx, voters[i], models.NewIdea{Title: "Idea number " + strconv.Itoa(i) + " of many"})
		if err != nil {
			t.Fatal(err)
		}
		ideas[idea.ID] = true
		order = append(order, idea.ID)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "LISTEN "+models.LiveChannel); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for i, id := range order {
		wg.Go(func() {
			if changed, _, err := s.Vote(ctx, id, voters[(i+1)%n].ID); err != nil || !changed {
				t.Errorf("vote on %d: changed %v, %v", id, changed, err)
			}
		})
	}
	wg.Wait()

	notices := 0
	deadline, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(ideas) > 0 {
		note, err := conn.WaitForNotification(deadline)
		if err != nil {
			t.Fatalf("%d ideas never told (%v)", len(ideas), err)
		}
		ids, ok := strings.CutPrefix(note.Payload, "v:")
		if !ok {
			continue
		}
		notices++
		for _, id := range strings.Split(ids, ",") {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				t.Fatalf("payload %q: %v", note.Payload, err)
			}
			delete(ideas, n)
		}
	}
	if notices >= n {
		t.Errorf("%d votes were told in %d notices, want fewer", n, notices)
	}
	t.Logf("%d votes told in %d notices", n, notices)
}
