package paper

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/cgx-dev/cgx/reports"
)

// TableFindings names the findings table (file stem, HTML id).
const TableFindings = "paper-findings"

// SpecRun is one spec of a reproduction as the page lists it.
type SpecRun struct {
	Spec    string        `json:"spec"`
	Run     int           `json:"run"`
	Status  string        `json:"status"`
	Resumed bool          `json:"resumed,omitempty"` // an interrupted run continued
	Wall    time.Duration `json:"wall_ns"`           // this invocation's wall time for the spec
	// StageSeconds sums the recorded durations of every stage the run
	// used, computed or reused: what the spec costs without the cache.
	StageSeconds float64 `json:"stage_seconds"`
	// PeakRSS is the largest stage attribute peak_rss_bytes over the
	// run's stages (computed or reused); 0 when none records it.
	PeakRSS  int64    `json:"peak_rss_bytes,omitempty"`
	Computed []string `json:"computed"` // stage names this run computed
	Reused   []string `json:"reused"`   // "name (run N)" of stages reused from earlier runs
	Report   string   `json:"report"`   // the run's report, relative to the page
}

// Page is the reproduction report.
type Page struct {
	Profile  string        `json:"profile"`
	Started  time.Time     `json:"started"`
	Wall     time.Duration `json:"wall_ns"`
	Complete bool          `json:"complete"` // every spec ran (not --only, not stopped)
	Specs    []SpecRun     `json:"specs"`
	Rows     []Row         `json:"findings"`
}

// Table returns the findings as a reports table (for md, csv, tex, json).
func Table(rows []Row) reports.Table {
	t := reports.Table{
		Name:  TableFindings,
		Title: "Published findings beside this rerun",
		Notes: []string{
			"published: the number or outcome of ../shared/METHOD.md; rerun: what the runs of this reproduction measured; verdict by the finding's rule (docs/REPRODUCE.md).",
			"not comparable: the runs do not record the metric, the spec was not run, or the rerun is too small for the rule to decide.",
		},
		Columns: []reports.Column{
			{Key: "finding", Label: "finding"},
			{Key: "published", Label: "published"},
			{Key: "rerun", Label: "rerun"},
			{Key: "verdict", Label: "verdict"},
			{Key: "reason", Label: "reason"},
			{Key: "run", Label: "run", Kind: reports.Int},
		},
	}
	for _, r := range rows {
		run := reports.Missing()
		if r.Run > 0 {
			run = reports.Num(float64(r.Run))
		}
		t.Rows = append(t.Rows, []reports.Cell{
			reports.Str(r.Finding), reports.Str(r.Published), reports.Str(r.Rerun),
			reports.Str(string(r.Verdict)), reports.Str(r.Reason), run,
		})
	}
	return t
}

// Counts returns how many rows have each verdict.
func Counts(rows []Row) map[Verdict]int {
	out := map[Verdict]int{}
	for _, r := range rows {
		out[r.Verdict]++
	}
	return out
}

type pageView struct {
	Page
	Started, Wall string
	Counts        map[string]int
	Findings      []Finding
	Specs         []specView
	Runs          map[int]string // run id -> its report link
}

type specView struct {
	SpecRun
	Wall, StageSeconds, Peak string
}

var pageTemplate = template.Must(reports.PageTemplate().Funcs(template.FuncMap{
	"verdictClass": func(v Verdict) string {
		switch v {
		case Reproduced:
			return "ok"
		case NotReproduced:
			return "bad"
		}
		return "warn"
	},
}).Parse(`{{define "body"}}<h1>Reproduction of the published findings</h1>
<p class="sub">profile {{.Profile}} · started {{.Started}} · wall time {{.Wall}} · {{index .Counts "reproduced"}} reproduced, {{index .Counts "not reproduced"}} not reproduced, {{index .Counts "not comparable"}} not comparable{{if not .Complete}} · <b>incomplete: not every built-in spec ran</b>{{end}}</p>
<h2 id="findings">Findings</h2>
<div class="wide"><table id="paper-findings"><thead><tr><th>finding</th><th>published</th><th>rerun</th><th>verdict</th><th>reason</th><th>run</th></tr></thead><tbody>
{{range .Rows}}<tr><td title="{{.Claim}}">{{.Finding}}</td><td>{{.Published}}</td><td>{{.Rerun}}</td><td class="{{verdictClass .Verdict}}">{{.Verdict}}</td><td>{{.Reason}}</td><td class="num">{{if .Run}}<a href="{{index $.Runs .Run}}">{{.Run}}</a>{{else}}–{{end}}</td></tr>
{{end}}</tbody></table></div>
<p class="formats"><a href="tables/paper-findings.md">md</a><a href="tables/paper-findings.csv">csv</a><a href="tables/paper-findings.tex">tex</a><a href="tables/paper-findings.json">json</a><a href="tables/paper-findings.html">html</a></p>
<h2 id="rules">Rules</h2>
<dl class="facts">{{range .Findings}}<dt>{{.ID}}</dt><dd>{{.Claim}} <i>Published:</i> {{.Published}}. <i>Rule:</i> {{.Rule}}</dd>
{{end}}</dl>
<h2 id="specs">Specs</h2>
<table><thead><tr><th>spec</th><th class="num">run</th><th>status</th><th class="num">wall time</th><th class="num">stage seconds</th><th class="num">peak RSS</th><th class="num">computed</th><th>reused</th></tr></thead><tbody>
{{range .Specs}}<tr><td>{{.Spec}}</td><td class="num">{{if .Report}}<a href="{{.Report}}">{{.Run}}</a>{{else}}{{.Run}}{{end}}</td><td>{{.Status}}{{if .Resumed}} (resumed){{end}}</td><td class="num">{{.Wall}}</td><td class="num">{{.StageSeconds}}</td><td class="num">{{.Peak}}</td><td class="num">{{len .Computed}}</td><td>{{range $i, $s := .Reused}}{{if $i}}, {{end}}{{$s}}{{end}}</td></tr>
{{end}}</tbody></table>
<p class="sub">wall time: this invocation; stage seconds: the recorded durations of every stage the run used, reused ones included (what the spec costs without the cache); peak RSS: the largest peak resident memory a stage of the run recorded (stage attribute peak_rss_bytes; process-wide, so concurrent stages blur it).</p>
{{end}}`))

// WritePage writes the reproduction's HTML page.
func WritePage(w io.Writer, p Page) error {
	v := pageView{Page: p, Started: p.Started.UTC().Format("2006-01-02 15:04:05 UTC"), Wall: seconds(p.Wall),
		Counts: map[string]int{}, Findings: Findings(), Runs: map[int]string{}}
	for verdict, n := range Counts(p.Rows) {
		v.Counts[string(verdict)] = n
	}
	for _, s := range p.Specs {
		sv := specView{SpecRun: s, Wall: seconds(s.Wall), StageSeconds: strconv.FormatFloat(s.StageSeconds, 'f', 1, 64), Peak: "–"}
		if s.PeakRSS > 0 {
			sv.Peak = MiB(s.PeakRSS)
		}
		v.Specs = append(v.Specs, sv)
		if s.Report != "" {
			v.Runs[s.Run] = s.Report
		}
	}
	for _, r := range p.Rows {
		if _, ok := v.Runs[r.Run]; !ok && r.Run > 0 {
			v.Runs[r.Run] = "#specs"
		}
	}
	var b bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&b, "page", reports.Layout{
		Title:  "cgx reproduce: " + p.Profile + " profile",
		Footer: "Written by cgx reproduce from the runs listed above as stored in the database; each verdict follows its rule (docs/REPRODUCE.md).",
		Body:   v,
	}); err != nil {
		return fmt.Errorf("write reproduction page: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s" }

// MiB prints a byte count in MiB.
func MiB(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) + " MiB" }
