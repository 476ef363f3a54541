package analytics

import (
	"math/bits"
	"slices"
	"testing"
)

// A day's members are kept packed: marking them sets the bits of exactly
// the ids packed, gaps of every varint length included.
func TestPackedMembersMarkTheirIds(t *testing.T) {
	for _, ids := range [][]uint32{
		nil,
		{0},
		{7},
		{1, 2, 3, 64, 65, 127, 128, 129},
		{5, 300, 70000, 1 << 21, 1<<24 + 3},
	} {
		p := packMembers(ids)
		if want := uint32(0); len(ids) > 0 {
			want = ids[len(ids)-1]
			if p.last != want {
				t.Errorf("%v: last %d, want %d", ids, p.last, want)
			}
		}
		seen := make([]uint64, p.last/64+1)
		p.mark(seen)
		var got []uint32
		for w, word := range seen {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				got = append(got, uint32(w*64+b))
				word &^= 1 << b
			}
		}
		if !slices.Equal(got, ids) {
			t.Errorf("packed %v, marked %v", ids, got)
		}
		if len(ids) > 0 && len(p.deltas) > 5*len(ids) || cap(p.deltas) != len(p.deltas) {
			t.Errorf("%v: %d bytes packed in %d", ids, len(p.deltas), cap(p.deltas))
		}
	}
}
