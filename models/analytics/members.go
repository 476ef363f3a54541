package analytics

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"samen/models"
)

// Memory keeps what Compute read for the next Compute, as long as it is
// true. Every change of the rollups draws the changed column of an
// analytics_days row of the day it touches anew (migration 00017), so the
// sum of that column over some days, with their number of rows, is a
// fingerprint: while it is the same, so is everything counted from those
// days.
//
//   - The active members of each day: distinct members do not add up across
//     days, so a range's count is the union of its days' members, and reading
//     a year of them (hundreds of thousands of rows at 100,000 ideas) on each
//     request is what made analytics slow. A day is read again once its
//     fingerprint changes.
//   - Whole reports, by range: served again while the range's fingerprint,
//     the statuses and categories are the same and no unanswered idea of the
//     range has turned 30 days old since; the list of unanswered ideas (whose
//     titles and votes change without the rollups) is read anew each time.
//
// The zero Memory is ready to use; a nil one keeps nothing.
type Memory struct {
	mu      sync.Mutex
	days    map[string]memberDay
	reports map[string]keptReport
}

// keptReport is a report with what it was counted from.
type keptReport struct {
	fingerprint fingerprint
	catalog     catalog
	until       time.Time // the report holds until this moment, included
	report      *Report
	// writes is the store's count of writes (models.Store.Writes) when the
	// fingerprint was last found the same, at checked: until the next write
	// through any instance, and for recheckAfter at most, the report holds
	// without reading the fingerprint again.
	writes  uint64
	checked time.Time
}

// recheckAfter bounds how long a report is served on the count of writes
// alone: it covers writes no instance hears of, such as the command line's
// on SQLite.
const recheckAfter = 5 * time.Second

// catalog is the statuses and categories a report was counted with: its
// figures by status and category hold while they are the same.
type catalog struct {
	statuses   []models.Status
	categories []models.Category
}

func (c catalog) equal(o catalog) bool {
	return slices.Equal(c.statuses, o.statuses) && slices.Equal(c.categories, o.categories)
}

// fingerprint is the number of a range's analytics_days rows and the sum of
// their changed column.
type fingerprint struct{ rows, sum int64 }

// maxReports bounds the reports a Memory keeps.
const maxReports = 64

// report returns the kept report of r if it holds: f is the range's
// fingerprint read now, or nil to go by the count of writes alone.
func (m *Memory) report(r Range, f *fingerprint, c catalog, writes uint64, now time.Time) (*Report, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.reports[r.key()]
	if !ok || !k.catalog.equal(c) || now.After(k.until) {
		return nil, false
	}
	if f == nil {
		if k.writes != writes || time.Since(k.checked) >= recheckAfter {
			return nil, false
		}
	} else {
		if k.fingerprint != *f {
			return nil, false
		}
		k.writes, k.checked = writes, time.Now()
		m.reports[r.key()] = k
	}
	return k.report.clone(), true
}

func (m *Memory) keep(r Range, k keptReport) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reports == nil {
		m.reports = map[string]keptReport{}
	}
	if _, ok := m.reports[r.key()]; !ok && len(m.reports) >= maxReports {
		clear(m.reports)
	}
	k.report = k.report.clone()
	m.reports[r.key()] = k
}

func (r Range) key() string { return r.From.Format(Day) + "/" + r.To.Format(Day) }

// clone copies a report, so that what a caller does with it leaves the kept one alone.
func (rep *Report) clone() *Report {
	c := *rep
	c.ByWeek, c.ByCategory = slices.Clone(rep.ByWeek), slices.Clone(rep.ByCategory)
	c.BySource, c.ByStatus, c.Unanswered = slices.Clone(rep.BySource), slices.Clone(rep.ByStatus), slices.Clone(rep.Unanswered)
	return &c
}

// memberDay is one day's active members.
type memberDay struct {
	fingerprint int64
	members     packedMembers
}

// packedMembers are member ids, ascending, each kept as its difference to the
// one before in a uvarint: one or two bytes an id where a uint32 takes four
// (a year of days at 100,000 ideas took 5 MB of memory as uint32s).
type packedMembers struct {
	deltas []byte
	last   uint32 // the largest id, 0 for none
}

func packMembers(ids []uint32) packedMembers {
	var (
		size, last uint32
		one        [binary.MaxVarintLen32]byte
	)
	for _, id := range ids { // sized first: kept for long, so not a byte more than needed
		size += uint32(len(binary.AppendUvarint(one[:0], uint64(id-last))))
		last = id
	}
	p := packedMembers{deltas: make([]byte, 0, size)}
	for _, id := range ids {
		p.deltas = binary.AppendUvarint(p.deltas, uint64(id-p.last))
		p.last = id
	}
	return p
}

// mark sets the bit of each of the ids in seen, which holds p.last.
func (p packedMembers) mark(seen []uint64) {
	var id uint32
	for b := p.deltas; len(b) > 0; {
		d, n := binary.Uvarint(b)
		b = b[n:]
		id += uint32(d)
		seen[id/64] |= 1 << (id % 64)
	}
}

// maxMemberDays bounds the days a Memory keeps.
const maxMemberDays = MaxDays

// Compute is the package's Compute, keeping what it read in m.
func (m *Memory) Compute(ctx context.Context, s *models.Store, viewer *models.User, r Range) (*Report, error) {
	return compute(ctx, s, viewer, r, m, true)
}

// Figures is Compute without the list of unanswered ideas (Report.Unanswered
// stays empty): the figures alone, as the JSON API gives them.
func (m *Memory) Figures(ctx context.Context, s *models.Store, viewer *models.User, r Range) (*Report, error) {
	return compute(ctx, s, viewer, r, m, false)
}

func (m *Memory) get(day string, fingerprint int64) (packedMembers, bool) {
	if m == nil {
		return packedMembers{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.days[day]
	return d.members, ok && d.fingerprint == fingerprint
}

func (m *Memory) put(day string, fingerprint int64, members packedMembers) {
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
	sets := make([]packedMembers, 0, len(fingerprints))
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
		most = max(most, set.last)
	}
	seen := make([]uint64, most/64+1)
	for _, set := range sets {
		set.mark(seen)
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
func (q querier) members(ctx context.Context, first, last string) (map[string]packedMembers, error) {
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
	read := map[string]packedMembers{}
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
		read[day] = packMembers(members)
	}
	return read, rows.Err()
}

// fingerprint reads the range's fingerprint.
func (q querier) fingerprint(ctx context.Context, r Range) (fingerprint, error) {
	var f fingerprint
	err := q.db.QueryRowContext(ctx, q.rebind(`SELECT COUNT(*), COALESCE(SUM(changed), 0) FROM analytics_days
		WHERE day >= ? AND day <= ?`), r.From.Format(Day), r.To.Format(Day)).Scan(&f.rows, &f.sum)
	if err != nil {
		return f, fmt.Errorf("analytics: read the range's fingerprint: %w", err)
	}
	return f, nil
}

// nextOld is the first moment after which another unanswered idea proposed
// in [from, to) is more than UnansweredAge old: the oldest such idea proposed
// after now - UnansweredAge. Without one, the zero time.
func (q querier) nextOld(ctx context.Context, from, to time.Time) (time.Time, error) {
	rows, err := q.db.QueryContext(ctx, q.rebind(`SELECT created_at FROM ideas
		WHERE created_at >= ? AND created_at < ? AND answered_at IS NULL AND `+counted+`
		ORDER BY created_at LIMIT 1`), from, to)
	if err != nil {
		return time.Time{}, fmt.Errorf("analytics: find the next idea to turn old: %w", err)
	}
	defer rows.Close()
	var t time.Time
	if rows.Next() {
		if err := rows.Scan(&t); err != nil {
			return time.Time{}, fmt.Errorf("analytics: find the next idea to turn old: %w", err)
		}
		t = t.Add(UnansweredAge)
	}
	return t, rows.Err()
}
