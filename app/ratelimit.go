package app

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/storage/redis/v3"
	goredis "github.com/redis/go-redis/v9"

	"samen/models"
)

// newRateLimitStorage returns the shared Redis store when SAMEN_REDIS_URL is
// set, so every instance counts together; nil means Fiber's memory store.
//
// Redis holds only counts, so when it is gone the limits count nothing for
// a while (Fiber's limiter ignores its storage's errors) rather than hold
// requests up: each call gives up after redisTimeout and is not retried.
// go-redis's defaults (5 s to dial, 3 s to read, three retries with
// back-off) kept requests waiting up to 9 s while Redis was stopped.
func newRateLimitStorage(cfg Config) (fiber.Storage, error) {
	if cfg.RedisURL == "" || cfg.RateLimits == "off" {
		return nil, nil
	}
	opts, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("SAMEN_REDIS_URL: %w", err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = redisTimeout, redisTimeout, redisTimeout, redisTimeout
	opts.MaxRetries = -1 // none
	client := goredis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("SAMEN_REDIS_URL: cannot connect: %w", err)
	}
	return redis.NewFromConnection(client), nil
}

// redisTimeout bounds each call to Redis: a few round trips on a network
// where one takes a millisecond.
const redisTimeout = 250 * time.Millisecond

// limit answers 429 with Retry-After once a key has been counted max times
// within window. skip exempts a request from counting.
func (s *server) limit(max int, window time.Duration, key func(*fiber.Ctx) string, skip func(*fiber.Ctx) bool) fiber.Handler {
	off := s.cfg.RateLimits == "off"
	return limiter.New(limiter.Config{
		Next:         func(c *fiber.Ctx) bool { return off || (skip != nil && skip(c)) },
		Max:          max,
		Expiration:   window,
		KeyGenerator: key,
		LimitReached: func(*fiber.Ctx) error { return fiber.ErrTooManyRequests },
		Storage:      s.limits,
	})
}

// addressKey is what per-address limits count a client address as: an IPv4
// address alone, an IPv6 address by its /64, the block one host or one
// home network is commonly given whole, so that walking through it does
// not give a client a fresh count with every address.
func addressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	prefix, err := addr.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return prefix.String()
}

// searching reports whether a request searches: the search page and the
// lists with a query (q), and the similar ideas of a title being typed.
// Searches cost the database the most of any request a visitor can make.
func searching(c *fiber.Ctx) bool {
	return c.Path() == "/ideas/similar" || c.Query("q") != ""
}

// rateLimits are the per-address limit on all requests, the tighter
// per-address limit on searches, and the per-member limit on writes.
func (s *server) rateLimits() []any {
	reading := func(c *fiber.Ctx) bool { return safeMethod(c.Method()) }
	perAddress := s.limit(s.cfg.RateLimitRequests, time.Minute, func(c *fiber.Ctx) string {
		return "samen:rl:addr:" + addressKey(s.deps.ViewerOf(c).IP)
	}, nil)
	searches := s.limit(s.cfg.RateLimitSearches, time.Minute, func(c *fiber.Ctx) string {
		return "samen:rl:search:addr:" + addressKey(s.deps.ViewerOf(c).IP)
	}, func(c *fiber.Ctx) bool { return !searching(c) })
	perMember := s.limit(s.cfg.RateLimitWrites, time.Minute, func(c *fiber.Ctx) string {
		if v := s.deps.ViewerOf(c); v.User != nil {
			return fmt.Sprintf("samen:rl:write:user:%d", v.User.ID)
		}
		return "samen:rl:write:addr:" + addressKey(s.deps.ViewerOf(c).IP)
	}, reading)
	return []any{perAddress, searches, perMember}
}

// signInLinkLimits allow at most 5 sign-in links per email address and 20 per
// client address in 15 minutes, so nobody floods an inbox through Samen.
func (s *server) signInLinkLimits() []fiber.Handler {
	perEmail := s.limit(5, 15*time.Minute, func(c *fiber.Ctx) string {
		email, _ := models.NormalizeEmail(c.FormValue("email"))
		return "samen:rl:link:email:" + email
	}, nil)
	perAddress := s.limit(20, 15*time.Minute, func(c *fiber.Ctx) string {
		return "samen:rl:link:addr:" + addressKey(s.deps.ViewerOf(c).IP)
	}, nil)
	return []fiber.Handler{perAddress, perEmail}
}
