package handlers

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
	"samen/models/analytics"
	"samen/views"
)

// Analytics shows the team the community's figures and its own answer times.
// Its Memory keeps each day's active members between requests.
type Analytics struct {
	*Deps
	Memory analytics.Memory
}

// APIAnalytics is the figures of a range in the JSON API.
type APIAnalytics struct {
	From                   string           `json:"from"`
	To                     string           `json:"to"`
	Ideas                  int              `json:"ideas"`
	Votes                  int              `json:"votes"`
	Comments               int              `json:"comments"`
	ActiveMembers          int              `json:"active_members"`
	FirstAnswerHoursMedian *float64         `json:"first_answer_hours_median"`
	AnsweredWithin7DaysPct *float64         `json:"answered_within_7_days_pct"`
	UnansweredOver30Days   int              `json:"unanswered_over_30_days"`
	ByWeek                 []apiWeek        `json:"by_week"`
	ByCategory             []apiCategory    `json:"by_category"`
	BySource               []apiSource      `json:"by_source"`
	ByStatus               []apiStatusCount `json:"by_status"`
}

type apiWeek struct {
	Week     string `json:"week"`
	Ideas    int    `json:"ideas"`
	Votes    int    `json:"votes"`
	Comments int    `json:"comments"`
}

type apiCategory struct {
	Slug  *string `json:"slug"`
	Ideas int     `json:"ideas"`
	Votes int     `json:"votes"`
}

type apiSource struct {
	Source string `json:"source"`
	Ideas  int    `json:"ideas"`
	Votes  int    `json:"votes"`
}

type apiStatusCount struct {
	Slug  string `json:"slug"`
	Ideas int    `json:"ideas"`
}

// API answers GET /api/v1/analytics?from=&to=.
func (h *Analytics) API(c *fiber.Ctx) error {
	r, err := analytics.ParseRange(c.Query("from"), c.Query("to"), h.Store.Now())
	if err != nil {
		return err
	}
	rep, err := h.Memory.Figures(c.UserContext(), h.Store, h.ViewerOf(c).User, r)
	if err != nil {
		return err
	}
	out := APIAnalytics{
		From: rep.From.Format(analytics.Day), To: rep.To.Format(analytics.Day),
		Ideas: rep.Ideas, Votes: rep.Votes, Comments: rep.Comments, ActiveMembers: rep.ActiveMembers,
		FirstAnswerHoursMedian: rep.FirstAnswerHoursMedian, AnsweredWithin7DaysPct: rep.AnsweredWithin7DaysPct,
		UnansweredOver30Days: rep.UnansweredOver30Days,
		ByWeek:               make([]apiWeek, len(rep.ByWeek)), ByCategory: make([]apiCategory, len(rep.ByCategory)),
		BySource: make([]apiSource, len(rep.BySource)), ByStatus: make([]apiStatusCount, len(rep.ByStatus)),
	}
	for i, w := range rep.ByWeek {
		out.ByWeek[i] = apiWeek{Week: w.Start.Format(analytics.Day), Ideas: w.Ideas, Votes: w.Votes, Comments: w.Comments}
	}
	for i, cat := range rep.ByCategory {
		out.ByCategory[i] = apiCategory{Slug: cat.Slug, Ideas: cat.Ideas, Votes: cat.Votes}
	}
	for i, src := range rep.BySource {
		out.BySource[i] = apiSource{Source: src.Source, Ideas: src.Ideas, Votes: src.Votes}
	}
	for i, st := range rep.ByStatus {
		out.ByStatus[i] = apiStatusCount{Slug: st.Slug, Ideas: st.Ideas}
	}
	return c.JSON(out)
}

// analyticsPage is /admin/analytics.
type analyticsPage struct {
	Layout
	From, To string
	Errors   models.ValidationErrors
	Report   *analytics.Report
	// Charts of the report, drawn on the server; tables hold the same figures.
	Weeks, Categories, Sources, Statuses chart
	now                                  time.Time
}

// Page answers GET /admin/analytics: the figures of a range, as charts and
// tables, and the ideas still waiting for an answer.
func (h *Analytics) Page(c *fiber.Ctx) error {
	data := analyticsPage{Layout: h.layout(c, "analytics.title", "analytics"), From: c.Query("from"), To: c.Query("to")}
	r, err := analytics.ParseRange(data.From, data.To, h.Store.Now())
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data.Errors = invalid
		return c.Status(fiber.StatusUnprocessableEntity).Render("admin/analytics", data)
	}
	if err != nil {
		return err
	}
	rep, err := h.Memory.Compute(c.UserContext(), h.Store, data.User, r)
	if err != nil {
		return err
	}
	data.Report, data.From, data.To = rep, rep.From.Format(analytics.Day), rep.To.Format(analytics.Day)
	data.now = h.Store.Now()
	l := data.L
	desc := views.T(l, "analytics.chart_desc")
	series := []string{views.T(l, "analytics.ideas"), views.T(l, "analytics.votes"), views.T(l, "analytics.comments")}
	var rows []chartRow
	for _, w := range rep.ByWeek {
		rows = append(rows, chartRow{Label: w.Start.Format(analytics.Day), Values: []int{w.Ideas, w.Votes, w.Comments}})
	}
	data.Weeks = barChart("chart-weeks", views.T(l, "analytics.by_week"), desc, series, rows)
	rows = nil
	for _, cat := range rep.ByCategory {
		rows = append(rows, chartRow{Label: data.CategoryName(cat), Values: []int{cat.Ideas, cat.Votes}})
	}
	data.Categories = barChart("chart-categories", views.T(l, "analytics.by_category"), desc, series[:2], rows)
	rows = nil
	for _, src := range rep.BySource {
		rows = append(rows, chartRow{Label: views.T(l, "source."+src.Source), Values: []int{src.Ideas, src.Votes}})
	}
	data.Sources = barChart("chart-sources", views.T(l, "analytics.by_source"), desc, series[:2], rows)
	rows = nil
	for _, st := range rep.ByStatus {
		rows = append(rows, chartRow{Label: st.NameIn(data.Lang), Values: []int{st.Ideas}})
	}
	data.Statuses = barChart("chart-statuses", views.T(l, "analytics.by_status"), desc, series[:1], rows)
	return c.Render("admin/analytics", data)
}

// Hours prints a number of hours, or a dash for none.
func (p analyticsPage) Hours(f *float64) string {
	if f == nil {
		return "—"
	}
	return views.T(p.L, "analytics.hours", "Hours", strconv.FormatFloat(*f, 'f', 1, 64))
}

// Percent prints a share, or a dash for none.
func (p analyticsPage) Percent(f *float64) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(*f, 'f', 1, 64) + "%"
}

// AgeDays says how many whole days ago the idea was proposed.
func (p analyticsPage) AgeDays(i analytics.Idea) int { return int(p.now.Sub(i.CreatedAt).Hours() / 24) }

// CategoryName names a category row.
func (p analyticsPage) CategoryName(cat analytics.Category) string {
	if cat.Slug == nil {
		return views.T(p.L, "analytics.no_category")
	}
	return cat.NameIn(p.Lang)
}

// IdeaPath links to an idea of the report.
func (p analyticsPage) IdeaPath(i analytics.Idea) string {
	return fmt.Sprintf("/ideas/%d/%s", i.ID, i.Slug)
}

// chart is a horizontal bar chart drawn as SVG on the server: one row per
// label, one bar per series in each row.
type chart struct {
	ID, Title string
	// Desc says where the same figures are, for those who cannot see the chart.
	Desc          string
	Rows          []chartRow
	Legend        []legendItem
	Width, Height int
	// LegendY is where the legend sits, under the bars.
	LegendY int
}

// legendItem names a series under the bars.
type legendItem struct {
	Series int
	Name   string
	X      int
}

// chartRow is one label of a chart and its values, one per series, placed.
type chartRow struct {
	Label  string
	Values []int
	Y      int // the row's top
	LabelY int
	Bars   []chartBar
}

// chartBar is one drawn bar.
type chartBar struct {
	Series       int
	Name         string
	Value        int
	X, Y, W, H   int
	TextX, TextY int
}

// Chart geometry, in SVG units.
const (
	chartLabelWidth = 150
	chartBarsWidth  = 400
	chartBarHeight  = 12
	chartRowGap     = 10
	chartValueRoom  = 50
)

// barChart lays out a chart: bars scale to the largest value.
func barChart(id, title, desc string, series []string, rows []chartRow) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartLabelWidth + chartBarsWidth + chartValueRoom}
	for i, name := range series {
		c.Legend = append(c.Legend, legendItem{Series: i, Name: name, X: chartLabelWidth + i*130})
	}
	largest := 1
	for _, r := range rows {
		for _, v := range r.Values {
			largest = max(largest, v)
		}
	}
	y := 0
	for _, r := range rows {
		r.Y = y
		r.LabelY = y + len(r.Values)*chartBarHeight/2 + 4
		r.Bars = nil
		for i, v := range r.Values {
			w := int(math.Round(float64(v) * chartBarsWidth / float64(largest)))
			bar := chartBar{Series: i, Name: series[i], Value: v, X: chartLabelWidth, Y: y + i*chartBarHeight, W: w, H: chartBarHeight - 2}
			bar.TextX, bar.TextY = chartLabelWidth+w+4, bar.Y+chartBarHeight-3
			r.Bars = append(r.Bars, bar)
		}
		y += len(r.Values)*chartBarHeight + chartRowGap
		c.Rows = append(c.Rows, r)
	}
	c.LegendY = y + 10
	c.Height = y + 20
	return c
}
