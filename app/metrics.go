package app

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"samen/models"
)

// metrics are the Prometheus figures at /metrics, in a registry of their own
// so that several servers (as in tests) never share global state.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(store *models.Store) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "samen_http_requests_total",
			Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "samen_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registry.MustRegister(deliveryMetrics("webhook", webhookCounts(store), store.PendingWebhookDeliveries)...)
	m.registry.MustRegister(deliveryMetrics("email", mailCounts(store), store.PendingMail)...)
	return m
}

// deliveryCounts are a channel's counts of deliveries since the start.
type deliveryCounts struct{ sent, failed, retried uint64 }

// deliveryMetrics count a channel's deliveries (webhook, email): attempts
// the receiving end took, deliveries that failed for good, failed attempts
// that will be tried again, and the queue of deliveries neither delivered
// nor given up, counted at each scrape.
func deliveryMetrics(channel string, counts func() deliveryCounts, pending func(context.Context) (int64, error)) []prometheus.Collector {
	labels := prometheus.Labels{"channel": channel}
	counter := func(name, help string, value func(deliveryCounts) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(value(counts())) })
	}
	return []prometheus.Collector{
		counter("samen_deliveries_sent_total", "Deliveries the receiving end took, by channel.",
			func(c deliveryCounts) uint64 { return c.sent }),
		counter("samen_deliveries_failed_total", "Deliveries that failed for good after every attempt, by channel.",
			func(c deliveryCounts) uint64 { return c.failed }),
		counter("samen_deliveries_retried_total", "Failed delivery attempts that will be tried again, by channel.",
			func(c deliveryCounts) uint64 { return c.retried }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samen_delivery_queue_depth", Help: "Deliveries waiting to be delivered, by channel.", ConstLabels: labels},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				n, err := pending(ctx)
				if err != nil {
					return math.NaN()
				}
				return float64(n)
			}),
	}
}

// webhookCounts and mailCounts read the counts of each channel.
func webhookCounts(store *models.Store) func() deliveryCounts {
	c := store.WebhookCounts()
	return func() deliveryCounts { return deliveryCounts{c.Sent.Load(), c.Failed.Load(), c.Retried.Load()} }
}

func mailCounts(store *models.Store) func() deliveryCounts {
	return func() deliveryCounts {
		c := store.MailStats()
		return deliveryCounts{c.Sent, c.Failed, c.Retried}
	}
}

// cacheSize is how much one of the caches in memory keeps.
type cacheSize func() (entries, bytes int)

// registerCaches puts the size of each bounded cache on /metrics, named by
// its key: what it keeps (samen_cache_entries) and, where it is more than a
// few numbers, the bytes of it (samen_cache_bytes).
func (m *metrics) registerCaches(caches map[string]cacheSize) {
	for name, size := range caches {
		labels := prometheus.Labels{"cache": name}
		m.registry.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samen_cache_entries", Help: "What a cache in memory keeps, by cache.", ConstLabels: labels},
				func() float64 { n, _ := size(); return float64(n) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samen_cache_bytes", Help: "The bytes a cache in memory keeps, by cache.", ConstLabels: labels},
				func() float64 { _, b := size(); return float64(b) }))
	}
}

func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
}

func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}
