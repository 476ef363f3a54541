package models

import (
	"context"
	"sync"
	"time"
)

// credentialsTTL bounds how long a session or API token, with its user, is
// taken from memory. Every write to users, sessions or api_tokens, through
// any instance, forgets them all at once (see invalidate): the TTL covers
// only what is written beside Samen, as the command line does on SQLite.
const credentialsTTL = settingsTTL

// maxCredentials bounds the cache: one entry per session or token in use.
// A full cache starts again empty.
const maxCredentials = 4096

// credentialBytes is about what an entry takes: the session or token, its
// user with their texts, the key and the map's share.
const credentialBytes = 768

// credential is a session or an API token (a *Session or an *APIToken) as
// last read.
type credential struct {
	value any
	at    time.Time
}

// remembered returns the session or token kept under key while it is fresh
// and fit says it still works at now. Otherwise load reads it, on the
// primary, never a replica (a session ended or a token revoked stops at
// once), and it is kept unless a write came between. The caller gets a
// copy of its own.
func remembered[T any](ctx context.Context, s *Store, key string, now time.Time, fit func(*T) bool,
	load func(ctx context.Context, into *T) error) (T, error) {
	if kept, ok := s.credentials.get(key, now); ok {
		if v, ok := kept.value.(*T); ok && fit(v) {
			return *v, nil
		}
	}
	gen := s.credentials.generation()
	var read T
	if err := load(onPrimary(ctx), &read); err != nil {
		return read, err
	}
	kept := read
	s.credentials.put(key, credential{value: &kept, at: now}, gen)
	return read, nil
}

// credentials keep the sessions and API tokens signed-in requests show, by
// their hash, so that a request does not read its own from the database. A
// read that raced a write is not kept (gen), so a sign-out, a revoked
// token, a ban or a role change holds from the next request on.
type credentials struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]credential
}

func newCredentials() *credentials { return &credentials{m: map[string]credential{}} }

// get returns the credential kept under key, unless it is older than credentialsTTL.
func (c *credentials) get(key string, now time.Time) (credential, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cred, ok := c.m[key]
	if !ok || now.Sub(cred.at) >= credentialsTTL {
		return credential{}, false
	}
	return cred, true
}

func (c *credentials) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps a credential read since generation gen, unless a write came between.
func (c *credentials) put(key string, cred credential, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= maxCredentials {
		clear(c.m)
	}
	c.m[key] = cred
}

// replace keeps value in place of the one kept under key (a session or
// token whose last use was just written), as old as that one, if one still
// is: a write since dropped it, and then what it held may be out of date.
func (c *credentials) replace(key string, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.m[key]; ok {
		c.m[key] = credential{value: value, at: kept.at}
	}
}

// forget drops every credential after a write to users, sessions or api_tokens.
func (c *credentials) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// CachedCredentials is how many sessions and API tokens the store keeps for
// reuse, and about how many bytes they take.
func (s *Store) CachedCredentials() (entries, bytes int) {
	s.credentials.mu.Lock()
	defer s.credentials.mu.Unlock()
	return len(s.credentials.m), len(s.credentials.m) * credentialBytes
}
