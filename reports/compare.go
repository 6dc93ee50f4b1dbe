package reports

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/tracker"
)

// SettingsFunc returns the settings a run used (its spec resolved under its
// profile) as dotted keys and values. Reports never import experiments, so
// the caller passes experiments.ResolvedSettings.
type SettingsFunc func(run tracker.Run) (map[string]string, error)

// CompareRow is one line of a comparison: a key and its value in each run,
// "–" where a run lacks it.
type CompareRow struct {
	Key     string
	Values  []string
	Differs bool // the values are not all equal
}

// CompareSection is a titled group of rows: the run fields, the recorded
// environment, the resolved settings or the metrics.
type CompareSection struct {
	ID, Name string
	Rows     []CompareRow
}

// Comparison is what the dashboard's compare page and the static comparison
// report show: runs side by side.
type Comparison struct {
	Runs     []tracker.Run
	Sections []CompareSection
	// Varied lists the settings whose values differ between the runs (for
	// a sweep, the swept keys), sorted.
	Varied []string
	Notes  []string
}

// Compare lines runs up key by key. settings may be nil: the comparison
// then has no settings section and says why in a note.
func Compare(rds []*RunData, settings SettingsFunc) Comparison {
	c := Comparison{Runs: make([]tracker.Run, len(rds))}
	for i, rd := range rds {
		c.Runs[i] = rd.Run
	}
	c.Sections = []CompareSection{
		{ID: "run", Name: "Run", Rows: runFieldRows(c.Runs)},
		{ID: "attributes", Name: "Recorded environment and attributes", Rows: attrRows(c.Runs)},
	}
	if settings == nil {
		c.Notes = append(c.Notes, "Settings are not compared: no spec resolver was given (cgx serve and cgx report compare provide one).")
	} else {
		maps := make([]map[string]string, len(c.Runs))
		for i, run := range c.Runs {
			m, err := settings(run)
			if err != nil {
				c.Notes = append(c.Notes, fmt.Sprintf("Run %d: its settings cannot be resolved (%v).", run.ID, err))
				m = map[string]string{}
			}
			delete(m, "profile") // in the run section
			delete(m, "seed")
			maps[i] = m
		}
		rows := mapRows(maps)
		for _, row := range rows {
			if row.Differs {
				c.Varied = append(c.Varied, row.Key)
			}
		}
		c.Sections = append(c.Sections, CompareSection{ID: "settings", Name: "Settings (resolved: profile applied)", Rows: rows})
	}
	metrics := make([]map[string]string, len(rds))
	for i, rd := range rds {
		metrics[i] = map[string]string{}
		for k, v := range rd.Metrics {
			metrics[i][k] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	c.Sections = append(c.Sections, CompareSection{ID: "metrics", Name: "Metrics", Rows: mapRows(metrics)})
	return c
}

// OnlyDifferences keeps the rows whose values differ.
func (c Comparison) OnlyDifferences() Comparison {
	out := c
	out.Sections = make([]CompareSection, len(c.Sections))
	for i, s := range c.Sections {
		out.Sections[i] = CompareSection{ID: s.ID, Name: s.Name}
		for _, row := range s.Rows {
			if row.Differs {
				out.Sections[i].Rows = append(out.Sections[i].Rows, row)
			}
		}
	}
	return out
}

// Row returns the row of section id with key, and whether there is one.
func (c Comparison) Row(section, key string) (CompareRow, bool) {
	for _, s := range c.Sections {
		if s.ID != section {
			continue
		}
		for _, row := range s.Rows {
			if row.Key == key {
				return row, true
			}
		}
	}
	return CompareRow{}, false
}

// headlineRows is the table at the top of a comparison report: per run, the
// settings that vary, then the metrics that differ.
func (c Comparison) headlineRows() (cols []string, rows [][]string) {
	var metricKeys []string
	if r, ok := c.sectionByID("metrics"); ok {
		for _, row := range r.Rows {
			if row.Differs {
				metricKeys = append(metricKeys, row.Key)
			}
		}
	}
	const maxMetrics = 8
	if len(metricKeys) > maxMetrics {
		metricKeys = metricKeys[:maxMetrics]
	}
	cols = append(append([]string{"run"}, c.Varied...), metricKeys...)
	for i, run := range c.Runs {
		row := []string{strconv.Itoa(run.ID)}
		for _, k := range c.Varied {
			v, _ := c.Row("settings", k)
			row = append(row, v.Values[i])
		}
		for _, k := range metricKeys {
			v, _ := c.Row("metrics", k)
			row = append(row, v.Values[i])
		}
		rows = append(rows, row)
	}
	return cols, rows
}

func (c Comparison) sectionByID(id string) (CompareSection, bool) {
	for _, s := range c.Sections {
		if s.ID == id {
			return s, true
		}
	}
	return CompareSection{}, false
}

var comparisonPage = template.Must(PageTemplate().Parse(`{{define "body"}}<h1>Compare runs {{.Title}}</h1>
<p class="sub">Rows whose values differ are highlighted. Written by cgx report compare; the runs' own reports are written by cgx report RUN.</p>
{{range .C.Notes}}<p class="note">{{.}}</p>{{end}}
<h2 id="summary">What differs</h2>
{{if .C.Varied}}<p>Settings that differ between the runs: {{range $i, $k := .C.Varied}}{{if $i}}, {{end}}<code>{{$k}}</code>{{end}}.</p>{{else}}<p>The runs used the same settings{{if .Seeds}} (seeds may differ: see Run){{end}}.</p>{{end}}
<div class="wide"><table class="compare"><thead><tr>{{range .HeadCols}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .HeadRows}}<tr>{{range .}}<td class="val">{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
{{range .C.Sections}}<h2 id="{{.ID}}">{{.Name}}</h2>
{{if .Rows}}<div class="wide"><table class="compare"><thead><tr><th>{{.Name}}</th>{{range $.C.Runs}}<th>run {{.ID}}<br><span class="sub">{{.Name}}</span></th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr{{if .Differs}} class="differs"{{end}}><td class="mono">{{.Key}}</td>{{range .Values}}<td class="val">{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{else}}<p class="empty">Nothing recorded.</p>{{end}}
{{end}}
{{if .Figures}}<h2 id="curves">Curves</h2>
{{range .Figures}}<figure>{{if .Err}}<p class="note">Figure {{.Name}} could not be drawn: {{.Err}}</p>{{else}}<a href="figures/{{.Name}}.svg"><img src="figures/{{.Name}}.png" alt="{{.Title}}"></a>{{end}}<figcaption><b>{{.Title}}.</b> {{.Caption}}</figcaption></figure>
{{end}}{{end}}{{end}}`))

// WriteCompareReport writes a static report comparing the runs rds (a
// sweep, say) into dir and returns the path of its index.html: what
// differs (varied settings and the metrics that differ, one row per run),
// then every run field, recorded attribute, resolved setting and metric
// side by side, and the runs' curves overlaid (figures/NAME.{png,svg}).
// Like WriteReport it creates dir only inside a folder that exists and
// writes every file atomically, index.html last.
func WriteCompareReport(ctx context.Context, src Source, rds []*RunData, settings SettingsFunc, dir string) (string, error) {
	if len(rds) < 2 {
		return "", fmt.Errorf("write comparison: compare needs at least 2 runs, got %d", len(rds))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("write comparison to %s: %w", dir, err)
	}
	if err := atomicfile.EnsureDir(abs); err != nil {
		return "", fmt.Errorf("write comparison: %w", err)
	}
	if err := atomicfile.EnsureDir(filepath.Join(abs, FiguresDir)); err != nil {
		return "", fmt.Errorf("write comparison: %w", err)
	}
	c := Compare(rds, settings)
	var figs []FigureEntry
	for _, f := range CompareFigures(rds) {
		e := FigureEntry{Figure: f}
		for _, format := range []string{FigurePNG, FigureSVG} {
			b, err := f.Render(ctx, src, format)
			if err != nil {
				if ctx.Err() != nil {
					return "", fmt.Errorf("write comparison: %w", ctx.Err())
				}
				e.Err = err
				break
			}
			if err := atomicfile.WriteFile(ctx, filepath.Join(abs, FiguresDir, f.Name+"."+format), b, 0o644); err != nil {
				return "", fmt.Errorf("write comparison: %w", err)
			}
		}
		figs = append(figs, e)
	}
	ids := make([]string, len(c.Runs))
	seeds := map[int64]bool{}
	for i, r := range c.Runs {
		ids[i] = strconv.Itoa(r.ID)
		seeds[r.Seed] = true
	}
	cols, rows := c.headlineRows()
	var page bytes.Buffer
	title := strings.Join(ids, ", ")
	err = comparisonPage.ExecuteTemplate(&page, "page", Layout{
		Title:  "cgx compare runs " + title,
		Footer: "cgx report compare " + strings.Join(ids, " "),
		Body: struct {
			Title    string
			C        Comparison
			Seeds    bool
			HeadCols []string
			HeadRows [][]string
			Figures  []FigureEntry
		}{title, c, len(seeds) > 1, cols, rows, figs},
	})
	if err != nil {
		return "", fmt.Errorf("write comparison: %w", err)
	}
	index := filepath.Join(abs, IndexFile)
	if err := atomicfile.WriteFile(ctx, index, page.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write comparison: %w", err)
	}
	return index, nil
}

func runFieldRows(runs []tracker.Run) []CompareRow {
	fields := []struct {
		key string
		get func(tracker.Run) string
	}{
		{"name", func(r tracker.Run) string { return r.Name }},
		{"status", func(r tracker.Run) string { return string(r.Status) }},
		{"profile", func(r tracker.Run) string { return r.Profile }},
		{"seed", func(r tracker.Run) string { return strconv.FormatInt(r.Seed, 10) }},
		{"workers", func(r tracker.Run) string { return strconv.Itoa(r.Workers) }},
		{"started", func(r tracker.Run) string { return compareTime(r.Started) }},
		{"duration", func(r tracker.Run) string {
			if r.Ended.IsZero() || r.Started.IsZero() {
				return "–"
			}
			return r.Ended.Sub(r.Started).Round(time.Second).String()
		}},
		{"tags", func(r tracker.Run) string { return strings.Join(r.Tags(), ", ") }},
		{"spec sha256", func(r tracker.Run) string { return r.SpecSHA256 }},
		{"vcs revision", func(r tracker.Run) string { return r.VCSRevision }},
		{"go", func(r tracker.Run) string { return r.GoVersion }},
		{"cpu", func(r tracker.Run) string { return r.CPUModel }},
	}
	var rows []CompareRow
	for _, f := range fields {
		row := CompareRow{Key: f.key}
		for _, r := range runs {
			v := f.get(r)
			if v == "" {
				v = "–"
			}
			row.Values = append(row.Values, v)
		}
		row.Differs = differs(row.Values)
		if f.key == "started" || f.key == "duration" {
			row.Differs = false // always differ; not a difference in what ran
		}
		rows = append(rows, row)
	}
	return rows
}

func compareTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// attrRows lists the runs' attributes (the recorded environment: code
// version, backend...), without the tags and note, shown elsewhere.
func attrRows(runs []tracker.Run) []CompareRow {
	maps := make([]map[string]string, len(runs))
	for i, r := range runs {
		maps[i] = map[string]string{}
		for k, v := range r.Attrs {
			if k != tracker.RunAttrTags && k != tracker.RunAttrNote {
				maps[i][k] = v
			}
		}
	}
	return mapRows(maps)
}

// mapRows lines up maps key by key (sorted), "–" where one lacks the key.
func mapRows(maps []map[string]string) []CompareRow {
	seen := map[string]bool{}
	var ks []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				ks = append(ks, k)
			}
		}
	}
	sort.Strings(ks)
	rows := make([]CompareRow, 0, len(ks))
	for _, k := range ks {
		row := CompareRow{Key: k}
		for _, m := range maps {
			v, ok := m[k]
			if !ok {
				v = "–"
			}
			row.Values = append(row.Values, v)
		}
		row.Differs = differs(row.Values)
		rows = append(rows, row)
	}
	return rows
}

func differs(vs []string) bool {
	for _, v := range vs[1:] {
		if v != vs[0] {
			return true
		}
	}
	return false
}
