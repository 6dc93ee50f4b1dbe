package reports

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/cgx-dev/cgx/tracker"
)

//go:embed assets/style.css assets/report.html.tmpl
var assets embed.FS

var styleCSS = func() string {
	b, err := assets.ReadFile("assets/style.css")
	if err != nil {
		panic(err) // embedded at build time
	}
	return string(b)
}()

// baseTemplate holds the "page" layout and the "run" body.
var baseTemplate = template.Must(template.New("base").Funcs(template.FuncMap{
	"css": func() template.CSS { return template.CSS(styleCSS) },
}).ParseFS(assets, "assets/report.html.tmpl"))

// PageTemplate returns a fresh copy of the layout template: "page" renders a
// complete HTML document around a "body" template the caller defines, with
// the report style sheet inlined. Execute "page" with a Layout.
func PageTemplate() *template.Template {
	return template.Must(baseTemplate.Clone())
}

// Layout is the data of the "page" template.
type Layout struct {
	Title  string
	Nav    bool // show the dashboard's navigation bar
	Footer string
	Body   any // the data of the "body" template
	// Refresh, when positive, makes the browser reload the page after that
	// many seconds (the dashboard sets it while the run is still writing;
	// a static report never does).
	Refresh int
}

// PageLinks says where a run page points: the static report uses relative
// file paths, the dashboard its own URLs.
type PageLinks struct {
	Figure func(name, format string) string // a figure file (format png or svg)
	Table  func(name, format string) string // a table file (a Formats entry)
	Study  func(id int) string              // a study page; nil for no links
	// Refresh is Layout.Refresh for the page.
	Refresh int
	Nav     bool
}

// FileLinks are the links of the static report: figures/NAME.png,
// tables/NAME.csv, next to index.html.
var FileLinks = PageLinks{
	Figure: func(name, format string) string { return "figures/" + name + "." + format },
	Table:  func(name, format string) string { return "tables/" + name + "." + format },
}

// FigureEntry is a figure as a page shows it, with the error that kept it
// from being drawn, if any.
type FigureEntry struct {
	Figure
	Err error
}

type runView struct {
	Run        tracker.Run
	Started    string
	Ended      string
	TrialCount int
	Studies    []StudyData
	Warnings   []string
	Findings   []Finding
	Attrs      []kv
	Tables     []tableView
	Figures    []figureView
	Metrics    []kv
	Stages     []stageView
	StudyHref  func(int) string
}

type kv struct{ Key, Value string }

type link struct{ Label, Href string }

type tableView struct {
	HTML  template.HTML
	Links []link
}

type figureView struct {
	Name, Title, Caption string
	PNG, SVG             string
	Width, Height        int
	Err                  error
}

type stageView struct {
	Name, Status, Key, ShortKey, Seconds string
	Outputs                              []string
	Studies                              []int
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// WriteRunPage writes the complete HTML page of a run: provenance, every
// table, the figures given (already checked for drawing errors), metrics,
// stages and the spec.
func WriteRunPage(w io.Writer, rd *RunData, figs []FigureEntry, links PageLinks) error {
	v := runView{
		Run: rd.Run, Started: stamp(rd.Run.Started), Ended: stamp(rd.Run.Ended),
		Studies: rd.Studies, Warnings: rd.Warnings, StudyHref: links.Study, Findings: rd.Findings(),
	}
	for _, s := range rd.Studies {
		v.TrialCount += len(s.Trials)
	}
	for _, k := range sortedKeys(rd.Run.Attrs) {
		v.Attrs = append(v.Attrs, kv{k, rd.Run.Attrs[k]})
	}
	for _, t := range rd.Tables() {
		if t.Name == TableStudies && links.Study != nil {
			for _, row := range t.Rows {
				href := links.Study(int(row[0].Num))
				row[0].Href, row[1].Href = href, href
			}
		}
		var b bytes.Buffer
		if err := t.Write(&b, FormatHTML); err != nil {
			return fmt.Errorf("write run page: %w", err)
		}
		tv := tableView{HTML: template.HTML(b.String())} // produced by html/template, escaped
		for _, f := range Formats() {
			tv.Links = append(tv.Links, link{f, links.Table(t.Name, f)})
		}
		v.Tables = append(v.Tables, tv)
	}
	for _, f := range figs {
		v.Figures = append(v.Figures, figureView{
			Name: f.Name, Title: f.Title, Caption: f.Caption,
			PNG: links.Figure(f.Name, FigurePNG), SVG: links.Figure(f.Name, FigureSVG),
			Width: int(f.Width.Dots(FigureDPI) + 0.5), Height: int(f.Height.Dots(FigureDPI) + 0.5),
			Err: f.Err,
		})
	}
	for _, k := range sortedKeys(rd.Metrics) {
		v.Metrics = append(v.Metrics, kv{k, strconv.FormatFloat(rd.Metrics[k], 'g', 6, 64)})
	}
	for _, st := range rd.Stages {
		sv := stageView{Name: st.Name, Status: st.Status, Key: st.Key, ShortKey: st.Key, Studies: append([]int(nil), st.Studies...)}
		if len(sv.ShortKey) > 12 {
			sv.ShortKey = sv.ShortKey[:12]
		}
		if !st.Started.IsZero() && !st.Ended.IsZero() {
			sv.Seconds = strconv.FormatFloat(st.Ended.Sub(st.Started).Seconds(), 'f', 1, 64)
		}
		for role := range st.Outputs {
			sv.Outputs = append(sv.Outputs, role)
		}
		sort.Strings(sv.Outputs)
		v.Stages = append(v.Stages, sv)
	}
	t := template.Must(PageTemplate().Parse(`{{define "body"}}{{template "run" .}}{{end}}`))
	var b bytes.Buffer
	err := t.ExecuteTemplate(&b, "page", Layout{
		Title:   fmt.Sprintf("cgx run %d: %s", rd.Run.ID, rd.Run.Name),
		Nav:     links.Nav,
		Footer:  fmt.Sprintf("Written by cgx reports from run %d as stored in the database; every table and figure can be recomputed from it.", rd.Run.ID),
		Body:    v,
		Refresh: links.Refresh,
	})
	if err != nil {
		return fmt.Errorf("write run page: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}
