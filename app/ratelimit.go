package app

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/storage/redis/v3"
)

// newRateLimitStorage returns the shared Redis store when SAMEN_REDIS_URL is
// set, so every instance counts together; nil means Fiber's memory store.
func newRateLimitStorage(cfg Config) (storage fiber.Storage, err error) {
	if cfg.RedisURL == "" || cfg.RateLimits == "off" {
		return nil, nil
	}
	// The Redis storage panics when it cannot connect; turn that into an error.
	defer func() {
		if r := recover(); r != nil {
			storage, err = nil, fmt.Errorf("SAMEN_REDIS_URL: cannot connect: %v", r)
		}
	}()
	return redis.New(redis.Config{URL: cfg.RedisURL, Reset: false}), nil
}

// rateLimits are the per-address limit on all requests and the per-member
// limit on writes. Both answer 429 with Retry-After.
func (s *server) rateLimits() []any {
	off := s.cfg.RateLimits == "off"
	tooMany := func(*fiber.Ctx) error { return fiber.ErrTooManyRequests }
	perAddress := limiter.New(limiter.Config{
		Next:         func(*fiber.Ctx) bool { return off },
		Max:          s.cfg.RateLimitRequests,
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return "samen:rl:addr:" + s.deps.ViewerOf(c).IP },
		LimitReached: tooMany,
		Storage:      s.limits,
	})
	perMember := limiter.New(limiter.Config{
		Next: func(c *fiber.Ctx) bool {
			switch c.Method() {
			case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
				return true
			}
			return off
		},
		Max:        s.cfg.RateLimitWrites,
		Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string {
			if v := s.deps.ViewerOf(c); v.User != nil {
				return fmt.Sprintf("samen:rl:write:user:%d", v.User.ID)
			}
			return "samen:rl:write:addr:" + s.deps.ViewerOf(c).IP
		},
		LimitReached: tooMany,
		Storage:      s.limits,
	})
	return []any{perAddress, perMember}
}
