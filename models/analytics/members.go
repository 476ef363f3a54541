package analytics

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"

	"samen/models"
)

// Memory keeps the active members of each day that Compute read, for the
// next Compute: distinct members do not add up across days, so a range's
// count is the union of its days' members, and reading a year of them
// (hundreds of thousands of rows at 100,000 ideas) on each request is what
// made analytics slow. A day's members are read again once its fingerprint
// changes: the sum of the changed column of its analytics_days rows, which
// every change of the day's rollups draws anew, so a kept day is never out of
// date. The zero Memory is ready to use; a nil one keeps nothing.
type Memory struct {
	mu   sync.Mutex
	days map[string]memberDay
}

// memberDay is one day's active members, by id, ascending.
type memberDay struct {
	fingerprint int64
	members     []uint32
}

// maxMemberDays bounds the days a Memory keeps.
const maxMemberDays = MaxDays

// Compute is the package's Compute, keeping the days' members in m.
func (m *Memory) Compute(ctx context.Context, s *models.Store, viewer *models.User, r Range) (*Report, error) {
	return compute(ctx, s, viewer, r, m)
}

func (m *Memory) get(day string, fingerprint int64) ([]uint32, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.days[day]
	return d.members, ok && d.fingerprint == fingerprint
}

func (m *Memory) put(day string, fingerprint int64, members []uint32) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.days == nil {
		m.days = map[string]memberDay{}
	}
	if _, ok := m.days[day]; !ok && len(m.days) >= maxMemberDays {
		for k := range m.days { // forget one day, any
			delete(m.days, k)
			break
		}
	}
	m.days[day] = memberDay{fingerprint: fingerprint, members: members}
}

// activeMembers counts the members active on the days with the given
// fingerprints (days without rollups have no members), from m where it
// holds a day and from analytics_members for the rest.
func (q querier) activeMembers(ctx context.Context, m *Memory, fingerprints map[string]int64) (int, error) {
	sets := make([][]uint32, 0, len(fingerprints))
	var missing []string
	for day, f := range fingerprints {
		if members, ok := m.get(day, f); ok {
			sets = append(sets, members)
		} else {
			missing = append(missing, day)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		read, err := q.members(ctx, missing[0], missing[len(missing)-1])
		if err != nil {
			return 0, err
		}
		for _, day := range missing {
			sets = append(sets, read[day])
			m.put(day, fingerprints[day], read[day])
		}
	}
	var most uint32
	for _, set := range sets {
		if len(set) > 0 {
			most = max(most, set[len(set)-1])
		}
	}
	seen := make([]uint64, most/64+1)
	for _, set := range sets {
		for _, id := range set {
			seen[id/64] |= 1 << (id % 64)
		}
	}
	n := 0
	for _, w := range seen {
		n += bits.OnesCount64(w)
	}
	return n, nil
}

// members reads the active members of the days from first to last, by day:
// a row per day with its members' ids as text, which is much quicker to
// read than a row per member and day.
func (q querier) members(ctx context.Context, first, last string) (map[string][]uint32, error) {
	list := "group_concat(user_id)"
	if q.postgres {
		list = "string_agg(user_id::text, ',')"
	}
	rows, err := q.db.QueryContext(ctx, q.rebind(`SELECT `+q.dayText()+`, `+list+` FROM analytics_members
		WHERE day >= ? AND day <= ? AND actions > 0 GROUP BY day`), first, last)
	if err != nil {
		return nil, fmt.Errorf("analytics: read active members: %w", err)
	}
	defer rows.Close()
	read := map[string][]uint32{}
	for rows.Next() {
		var day, ids string
		if err := rows.Scan(&day, &ids); err != nil {
			return nil, fmt.Errorf("analytics: read active members: %w", err)
		}
		members := make([]uint32, 0, strings.Count(ids, ",")+1)
		for id := range strings.SplitSeq(ids, ",") {
			n, err := strconv.ParseUint(id, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("analytics: read active members of %s: %w", day, err)
			}
			members = append(members, uint32(n))
		}
		slices.Sort(members)
		read[day] = members
	}
	return read, rows.Err()
}
