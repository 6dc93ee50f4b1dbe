package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

var runsPage = template.Must(reports.PageTemplate().Parse(`{{define "body"}}<h1>Runs</h1>
<form class="filter" method="get" action="/"><label>spec <select name="spec"><option value="">all</option>{{range .Specs}}<option{{if eq . $.Filter.Spec}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>status <select name="status"><option value="">all</option>{{range .Statuses}}<option{{if eq . $.Filter.Status}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>tag <input name="tag" value="{{.Filter.Tag}}" size="10"></label>
<label>text <input name="q" value="{{.Filter.Text}}" size="16"></label>
{{range .Metrics}}<input type="hidden" name="metric" value="{{.Key}}">{{end}}<button type="submit">Filter</button>{{if .Filtered}} <a href="/">clear</a>{{end}}</form>
{{if .Rows}}<form method="get" action="/compare">
<p class="note">{{len .Rows}} of {{.Total}} runs. Tick two or more to <button type="submit">compare</button> them side by side. Metric columns: {{if .MetricsChosen}}chosen with <code>?metric=KEY</code>{{else}}the headline metrics most runs have (choose with <code>?metric=KEY</code>){{end}}.</p>
<div class="wide"><table id="runs"><thead><tr><th></th><th class="num">run</th><th>name</th><th>status</th><th>profile</th><th>tags</th><th class="num">seed</th><th>started</th><th class="num">duration</th><th class="num">studies</th>{{range .Metrics}}<th class="num metric" title="{{.Key}}">{{with .Stage}}{{.}}/<br>{{end}}{{.Measure}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr><td><input type="checkbox" name="run" value="{{.ID}}" aria-label="compare run {{.ID}}"></td><td class="num"><a href="/runs/{{.ID}}">{{.ID}}</a></td><td><a href="/runs/{{.ID}}">{{.Name}}</a></td><td><span class="badge {{.Status}}">{{.Status}}</span></td><td>{{.Profile}}</td><td>{{.Tags}}</td><td class="num">{{.Seed}}</td><td class="nowrap">{{.Started}}</td><td class="num">{{.Duration}}</td><td class="num">{{.Studies}}</td>{{range .Metrics}}<td class="num">{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div></form>
{{else if .Total}}<p class="empty">No run matches the filter. <a href="/">Show all runs.</a></p>
{{else}}<p class="empty">No runs yet. Start one with <code>cgx run SPEC</code>; this page shows it as soon as it begins.</p>{{end}}{{end}}`))

type runRow struct {
	ID                                             int
	Name, Status, Profile, Started, Duration, Tags string
	Seed                                           int64
	Studies                                        int
	Metrics                                        []string
}

// runFilter is the runs page's ?spec=&status=&tag=&q= filter.
type runFilter struct {
	Spec, Status, Tag, Text string
}

// match says whether run passes every set field: spec is the run's name,
// status its status, tag one of its tags (all exact); text a substring, any
// case, of its id, name, profile, status, tags or note.
func (f runFilter) match(run tracker.Run) bool {
	if f.Spec != "" && run.Name != f.Spec || f.Status != "" && string(run.Status) != f.Status {
		return false
	}
	tags := run.Tags()
	if f.Tag != "" && !slices.Contains(tags, f.Tag) {
		return false
	}
	if f.Text != "" {
		hay := strings.ToLower(strings.Join([]string{strconv.Itoa(run.ID), run.Name, run.Profile, string(run.Status), strings.Join(tags, " "), run.Note()}, "\n"))
		if !strings.Contains(hay, strings.ToLower(f.Text)) {
			return false
		}
	}
	return true
}

// metricColumn is a metric shown as a runs-list column, its heading split
// into the (shortened) stage and the measure.
type metricColumn struct{ Key, Stage, Measure string }

// maxMetricColumns bounds the metric columns of the runs list.
const maxMetricColumns = 6

// headlineMeasures are the measures the runs list shows by default.
var headlineMeasures = map[string]bool{keys.MeasureAccuracy: true, keys.MeasureSuccessRate: true,
	keys.MeasureBestLoss: true, keys.MeasureAP: true}

// defaultMetrics picks up to 4 headline metric keys, those most runs have
// first (ties by key).
func defaultMetrics(runs []tracker.Run) []string {
	count := map[string]int{}
	for _, r := range runs {
		for k := range r.Metrics {
			if _, m, ok := keys.SplitMetric(k); ok && headlineMeasures[m] {
				count[k]++
			}
		}
	}
	ks := make([]string, 0, len(count))
	for k := range count {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if count[ks[i]] != count[ks[j]] {
			return count[ks[i]] > count[ks[j]]
		}
		return ks[i] < ks[j]
	})
	return ks[:min(4, len(ks))]
}

// shortKey shortens a metric key for a column heading, keeping its end.
func shortKey(k string) string {
	const max = 24
	r := []rune(k)
	if len(r) <= max {
		return k
	}
	return "…" + string(r[len(r)-max+1:])
}

func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		runs, err := src.ListRuns(r.Context())
		if err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].ID > runs[j].ID })
		q := r.URL.Query()
		f := runFilter{Spec: q.Get("spec"), Status: q.Get("status"), Tag: strings.TrimSpace(q.Get("tag")), Text: strings.TrimSpace(q.Get("q"))}
		specs, statuses := map[string]bool{}, map[string]bool{}
		var kept []tracker.Run
		for _, run := range runs {
			specs[run.Name], statuses[string(run.Status)] = true, true
			if f.match(run) {
				kept = append(kept, run)
			}
		}
		chosen := q["metric"]
		if len(chosen) > maxMetricColumns {
			return statusError(http.StatusBadRequest, "At most %d metric columns (?metric=KEY), not %d.", maxMetricColumns, len(chosen))
		}
		metricKeys := chosen
		if len(metricKeys) == 0 {
			metricKeys = defaultMetrics(kept)
		}
		var cols []metricColumn
		for _, k := range metricKeys {
			col := metricColumn{Key: k, Measure: k}
			if st, m, ok := keys.SplitMetric(k); ok {
				col.Stage, col.Measure = shortKey(st), m
			}
			cols = append(cols, col)
		}
		rows := make([]runRow, len(kept))
		for i, run := range kept {
			d := "–"
			if !run.Ended.IsZero() && !run.Started.IsZero() {
				d = run.Ended.Sub(run.Started).Round(time.Second).String()
			}
			rows[i] = runRow{ID: run.ID, Name: run.Name, Status: string(run.Status), Profile: run.Profile,
				Started: timeText(run.Started), Duration: d, Seed: run.Seed, Studies: len(run.Studies), Tags: strings.Join(run.Tags(), ", ")}
			for _, k := range metricKeys {
				rows[i].Metrics = append(rows[i].Metrics, metricCell(run.Metrics, k))
			}
		}
		live := false
		for _, run := range kept {
			live = live || run.Status == tracker.RunRunning
		}
		s.pageRefresh(w, r, http.StatusOK, runsPage, "cgx runs", struct {
			Rows            []runRow
			Total           int
			Filter          runFilter
			Filtered        bool
			Specs, Statuses []string
			Metrics         []metricColumn
			MetricsChosen   bool
		}{rows, len(runs), f, f != (runFilter{}), sortedKeys(specs), sortedKeys(statuses), cols, len(chosen) > 0}, live)
		return nil
	})
}

// metricCell prints a metric as the shortest decimal that reads back as it,
// or with 4 significant digits when that is long ("–" when the run has
// none); the compare page prints every digit.
func metricCell(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "–"
	}
	if s := strconv.FormatFloat(v, 'g', -1, 64); len(s) <= 9 {
		return s
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// runLinks are a run page's links inside the dashboard.
func runLinks(id int) reports.PageLinks {
	return reports.PageLinks{
		Figure: func(name, format string) string { return fmt.Sprintf("/runs/%d/figures/%s.%s", id, name, format) },
		Table:  func(name, format string) string { return fmt.Sprintf("/runs/%d/tables/%s.%s", id, name, format) },
		Study:  func(sid int) string { return fmt.Sprintf("/studies/%d", sid) },
		Nav:    true,
	}
}

func (s *Server) loadRun(r *http.Request, src reports.Source) (*reports.RunData, error) {
	id, err := positiveID(r.PathValue("run"), "run")
	if err != nil {
		return nil, err
	}
	rd, err := reports.LoadRun(r.Context(), src, id)
	if errors.Is(err, reports.ErrNotFound) {
		return nil, statusError(http.StatusNotFound, "There is no run %d in the database.", id)
	}
	return rd, err
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		rd, err := s.loadRun(r, src)
		if err != nil {
			return err
		}
		var figs []reports.FigureEntry
		for _, f := range rd.Figures() {
			figs = append(figs, reports.FigureEntry{Figure: f})
		}
		var b bytes.Buffer
		links := runLinks(rd.Run.ID)
		if rd.Run.Status == tracker.RunRunning {
			links.Refresh = RefreshSeconds
		}
		if err := reports.WriteRunPage(&b, rd, figs, links); err != nil {
			return err
		}
		s.bytes(w, r, http.StatusOK, "text/html; charset=utf-8", b.Bytes())
		return nil
	})
}

var figureTypes = map[string]string{reports.FigurePNG: "image/png", reports.FigureSVG: "image/svg+xml"}

func (s *Server) handleRunFigure(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		name, ext, ok := splitFile(r.PathValue("file"))
		if !ok || figureTypes[ext] == "" {
			return statusError(http.StatusNotFound, "Figures are NAME.png or NAME.svg, not %q.", r.PathValue("file"))
		}
		rd, err := s.loadRun(r, src)
		if err != nil {
			return err
		}
		f, err := rd.Figure(name)
		if err != nil {
			return err
		}
		b, err := f.Render(r.Context(), src, ext)
		if err != nil {
			return err
		}
		s.bytes(w, r, http.StatusOK, figureTypes[ext], b)
		return nil
	})
}

var tableTypes = map[string]string{
	reports.FormatMarkdown: "text/markdown; charset=utf-8",
	reports.FormatCSV:      "text/csv; charset=utf-8",
	reports.FormatTeX:      "text/plain; charset=utf-8",
	reports.FormatJSON:     "application/json",
	reports.FormatHTML:     "text/html; charset=utf-8",
}

func (s *Server) handleRunTable(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		name, ext, ok := splitFile(r.PathValue("file"))
		if !ok || tableTypes[ext] == "" {
			return statusError(http.StatusNotFound, "Tables are NAME.md, .csv, .tex, .json or .html, not %q.", r.PathValue("file"))
		}
		rd, err := s.loadRun(r, src)
		if err != nil {
			return err
		}
		t, err := rd.Table(name)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Write(&b, ext); err != nil {
			return err
		}
		s.bytes(w, r, http.StatusOK, tableTypes[ext], b.Bytes())
		return nil
	})
}

func (s *Server) handleArtifact(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		id, err := tracker.ParseID(r.PathValue("id"))
		if err != nil {
			return statusError(http.StatusNotFound, "%q is not an artifact id (64 hex characters).", r.PathValue("id"))
		}
		data, _, err := src.GetArtifact(r.Context(), id)
		if err != nil {
			if r.Context().Err() != nil {
				return r.Context().Err()
			}
			return statusError(http.StatusNotFound, "There is no artifact %s in the database.", id)
		}
		// The type comes from the bytes, never from stored metadata.
		var ct string
		switch {
		case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
			ct = "image/png"
		case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
			ct = "image/jpeg"
		default:
			return statusError(http.StatusNotFound, "Artifact %s is not an image; the dashboard only shows images.", id)
		}
		s.bytes(w, r, http.StatusOK, ct, data)
		return nil
	})
}
