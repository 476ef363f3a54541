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

func newMetrics() *metrics {
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
	return m
}

func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
}

func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}

// watchEmail adds the figures of notification email, labelled
// channel="email": emails sent, given up on and retried by this process,
// and the email jobs waiting to go (scheduled, available, running or
// waiting for a retry), counted at each scrape.
func (m *metrics) watchEmail(store *models.Store) {
	labels := prometheus.Labels{"channel": "email"}
	counter := func(name, help string, value func(models.MailStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(value(store.MailStats())) })
	}
	m.registry.MustRegister(
		counter("samen_deliveries_sent_total", "Notification deliveries sent, by channel.",
			func(s models.MailStats) uint64 { return s.Sent }),
		counter("samen_deliveries_failed_total", "Notification deliveries given up on after their last attempt, by channel.",
			func(s models.MailStats) uint64 { return s.Failed }),
		counter("samen_deliveries_retried_total", "Notification delivery attempts that failed and will be retried, by channel.",
			func(s models.MailStats) uint64 { return s.Retried }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samen_deliveries_pending", ConstLabels: labels,
			Help: "Notification deliveries waiting to be sent, by channel."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := store.PendingMail(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}),
	)
}
