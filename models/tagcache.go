package models

import (
	"slices"
	"sync"
)

// maxCachedTags bounds the tags cache: the tags of this many ideas, most
// of them none.
const maxCachedTags = 8192

// tagsCache keeps the tags of the ideas lists showed (an empty list for an
// idea with none), so that a page of ideas whose tags are known reads no
// tags: most pages, since tags change seldom and votes never touch them.
// Every write to tags or idea_tags, on any instance, forgets them all; gen
// counts those writes, so that tags read while one happened are not kept.
type tagsCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[int64][]Tag
}

func newTagsCache() *tagsCache { return &tagsCache{m: map[int64][]Tag{}} }

// get gives each idea of byID its tags where they are known, and returns
// the ids whose tags are not, and the generation to put them with.
func (c *tagsCache) get(byID map[int64]*Idea) (missing []int64, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, idea := range byID {
		tags, ok := c.m[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		idea.Tags = slices.Clone(tags)
	}
	return missing, c.gen
}

// put keeps the tags of the ideas ids, read since generation gen, unless a
// write to tags came between.
func (c *tagsCache) put(ids []int64, byID map[int64]*Idea, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m)+len(ids) > maxCachedTags {
		clear(c.m)
	}
	for _, id := range ids {
		c.m[id] = slices.Clone(byID[id].Tags)
	}
}

func (c *tagsCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// tagEntryBytes is about what a cached idea's tags take besides their
// texts: the id, the slice and the map's share.
const tagEntryBytes = 64

// CachedTags is how many ideas' tags the store keeps for reuse, and about
// how many bytes they take.
func (s *Store) CachedTags() (entries, bytes int) {
	s.tags.mu.Lock()
	defer s.tags.mu.Unlock()
	for _, tags := range s.tags.m {
		bytes += tagEntryBytes
		for _, t := range tags {
			bytes += len(t.Slug) + len(t.Name) + 48
		}
	}
	return len(s.tags.m), bytes
}
