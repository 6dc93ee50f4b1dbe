package dashboard

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

// Limits of the trial table. MaxParamColumns is what fits a 1400 px wide
// window with every column whole and one line per trial (checked in a
// browser); a trial's page lists every parameter.
const (
	MaxTrialRows    = 2000
	MaxParamColumns = 7
)

// studyStatser is implemented by stores that keep per-study statistics (the
// tracker does); the studies page then reads no trials.
type studyStatser interface {
	Studies() ([]tracker.StudyInfo, error)
}

type studyRow struct {
	ID                            int
	Name, Run, Kind, Method, Seed string
	Trials, Complete              int
	Best                          float64
	BestText                      string
	RunID                         int
}

var studyColumns = []column{
	{key: "id", label: "id", numeric: true}, {key: "name", label: "name", text: true},
	{key: "run", label: "run", numeric: true}, {key: "kind", label: "kind", text: true},
	{key: "method", label: "manipulation / sampler", text: true}, {key: "seed", label: "seed", numeric: true},
	{key: "trials", label: "trials", numeric: true}, {key: "complete", label: "complete", numeric: true},
	{key: "best", label: "best loss", numeric: true},
}

var studiesPage = template.Must(reports.PageTemplate().Parse(`{{define "body"}}<h1>Studies</h1>
{{if .Rows}}<div class="wide"><table id="studies"><thead><tr>{{range .Headers}}<th{{if .Num}} class="num"{{end}}><a href="{{.Href}}">{{.Label}}{{.Arrow}}</a></th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr><td class="num"><a href="/studies/{{.ID}}">{{.ID}}</a></td><td><a href="/studies/{{.ID}}">{{.Name}}</a></td><td class="num">{{if .RunID}}<a href="/runs/{{.RunID}}">{{.Run}}</a>{{else}}{{.Run}}{{end}}</td><td>{{.Kind}}</td><td>{{.Method}}</td><td class="num">{{.Seed}}</td><td class="num">{{.Trials}}</td><td class="num">{{.Complete}}</td><td class="num">{{.BestText}}</td></tr>
{{end}}</tbody></table></div>
{{else}}<p class="empty">No studies yet.</p>{{end}}{{end}}`))

func method(attrs map[string]string) string {
	if s := attrs[reports.AttrSampler]; s != "" {
		return s
	}
	return strings.TrimSpace(attrs[reports.AttrManipulation] + " " + attrs[reports.AttrDirection])
}

func fmtLoss(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func (s *Server) handleStudies(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		sp, err := parseSort(r.URL.Query(), studyColumns, "id")
		if err != nil {
			return err
		}
		sums, err := src.GetAllStudySummaries()
		if err != nil {
			return fmt.Errorf("list studies: %w", err)
		}
		stats := map[int]tracker.StudyStats{}
		if ss, ok := src.(studyStatser); ok {
			infos, err := ss.Studies()
			if err != nil {
				return fmt.Errorf("list study statistics: %w", err)
			}
			for _, in := range infos {
				stats[in.ID] = in.Stats
			}
		}
		rows := make([]studyRow, 0, len(sums))
		for _, sum := range sums {
			row := studyRow{ID: sum.ID, Name: sum.Name, Run: sum.UserAttrs[reports.AttrRun], Kind: sum.UserAttrs[reports.AttrKind],
				Method: method(sum.UserAttrs), Seed: sum.UserAttrs[reports.AttrSeed], Best: math.NaN()}
			row.RunID, _ = strconv.Atoi(row.Run)
			if st, ok := stats[sum.ID]; ok {
				row.Trials, row.Complete = st.Trials, st.Complete
				if st.BestTrialID != 0 {
					row.Best = st.BestValue
				}
			} else {
				trials, err := src.GetAllTrials(sum.ID)
				if err != nil {
					return fmt.Errorf("read trials of study %d: %w", sum.ID, err)
				}
				row.Trials = len(trials)
				for _, t := range trials {
					if t.State == goptuna.TrialStateComplete {
						row.Complete++
						if math.IsNaN(row.Best) || t.Value < row.Best {
							row.Best = t.Value
						}
					}
				}
			}
			row.BestText = fmtLoss(row.Best)
			rows = append(rows, row)
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
		key := func(i int) sortKey {
			row := rows[i]
			num := func(s string) float64 {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return math.NaN()
				}
				return v
			}
			switch sp.key {
			case "name":
				return sortKey{text: row.Name}
			case "run":
				return sortKey{num: num(row.Run)}
			case "kind":
				return sortKey{text: row.Kind}
			case "method":
				return sortKey{text: row.Method}
			case "seed":
				return sortKey{num: num(row.Seed)}
			case "trials":
				return sortKey{num: float64(row.Trials)}
			case "complete":
				return sortKey{num: float64(row.Complete)}
			case "best":
				return sortKey{num: row.Best}
			default:
				return sortKey{num: float64(row.ID)}
			}
		}
		sortRows(len(rows), isText(studyColumns, sp.key), sp.desc, key, func(p []int) { rows = permute(rows, p) })
		s.page(w, r, http.StatusOK, studiesPage, "cgx studies", struct {
			Headers []header
			Rows    []studyRow
		}{headers("/studies", studyColumns, sp), rows})
		return nil
	})
}

func isText(cols []column, key string) bool {
	for _, c := range cols {
		if c.key == key {
			return c.text
		}
	}
	return false
}

// breakable lets a long parameter name wrap after its underscores in a
// column heading (brightness_0_0), so headings do not widen the table.
func breakable(s string) string { return strings.ReplaceAll(s, "_", "_\u200b") }

var studyPage = template.Must(reports.PageTemplate().Funcs(template.FuncMap{"breakable": breakable}).Parse(`{{define "body"}}<style>main { max-width: none; }</style><h1>Study {{.Study.ID}}: {{.Study.Name}}</h1>
<p class="sub">{{if .RunID}}<a href="/runs/{{.RunID}}">run {{.RunID}}</a> · {{end}}{{len .Study.Trials}} trials · {{.Complete}} complete</p>
{{if .Warnings}}<ul class="warnings">{{range .Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Attributes</h2>
{{if .Attrs}}<dl class="facts">{{range .Attrs}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{else}}<p class="empty">No attributes.</p>{{end}}
<h2>Figures</h2>
{{range .Figures}}<figure id="figure-{{.Name}}"><a href="{{.SVG}}"><img src="{{.PNG}}" width="{{.Width}}" height="{{.Height}}" alt="{{.Title}}"></a>
<figcaption><b>{{.Title}}.</b> {{.Caption}} <a href="{{.SVG}}">SVG</a> · <a href="{{.PNG}}">PNG</a></figcaption></figure>
{{else}}<p class="empty">No figures for this study (yet).</p>{{end}}
{{if .Pair.Params}}<h3 id="contour">Loss over a chosen pair of parameters</h3>
<form class="filter" method="get" action="/studies/{{.Study.ID}}#contour"><label>x <select name="x">{{range .Pair.Params}}<option{{if eq . $.Pair.X}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>y <select name="y">{{range .Pair.Params}}<option{{if eq . $.Pair.Y}} selected{{end}}>{{.}}</option>{{end}}</select></label><button type="submit">Draw</button></form>
{{with .Pair.Figure}}<figure id="figure-contour"><a href="{{.SVG}}"><img src="{{.PNG}}" width="{{.Width}}" height="{{.Height}}" alt="{{.Title}}"></a>
<figcaption><b>{{.Title}}.</b> {{.Caption}} <a href="{{.SVG}}">SVG</a> · <a href="{{.PNG}}">PNG</a></figcaption></figure>{{end}}{{with .Pair.Error}}<p class="note">{{.}}</p>{{end}}{{end}}
<h2 id="trials">Trials</h2>
{{if .Rows}}{{if .Hidden}}<p class="note">Showing {{len .Rows}} of {{.Total}} trials; sort to see others.</p>{{end}}{{if .MoreParams}}<p class="note">{{.MoreParams}} more parameters are not shown as columns; a trial's page (click its number) lists them all.</p>{{end}}
<div class="wide"><table id="trials-table"><thead><tr>{{range .Headers}}<th{{if .Num}} class="num"{{end}}><a href="{{.Href}}#trials">{{breakable .Label}}{{.Arrow}}</a></th>{{end}}<th>images</th></tr></thead><tbody>
{{range .Rows}}<tr><td class="num"><a href="/studies/{{$.Study.ID}}/trials/{{.Number}}">{{.Number}}</a></td><td>{{.State}}</td><td class="num">{{.Value}}</td><td class="num">{{.Confidence}}</td><td class="{{.SuccessClass}}">{{.Success}}</td><td class="num">{{.Steps}}</td><td class="num">{{.Image}}</td>{{range .Params}}<td class="num">{{.}}</td>{{end}}<td>{{if .Source}}<a href="{{.Source}}">source</a> {{end}}{{if .Result}}<a href="{{.Result}}">result</a>{{end}}</td></tr>
{{end}}</tbody></table></div>{{else}}<p class="empty">No trials yet.</p>{{end}}{{end}}`))

type trialRow struct {
	Number                            int
	State, Value, Confidence, Success string
	SuccessClass, Steps, Image        string
	Params                            []string
	Source, Result                    string
}

type figureView struct {
	Name, Title, Caption, PNG, SVG string
	Width, Height                  int
}

type attr struct{ Key, Value string }

func (s *Server) loadStudy(r *http.Request, src reports.Source) (reports.StudyData, []string, error) {
	id, err := positiveID(r.PathValue("study"), "study")
	if err != nil {
		return reports.StudyData{}, nil, err
	}
	sd, warns, err := reports.LoadStudy(r.Context(), src, id)
	if errors.Is(err, reports.ErrNotFound) {
		return sd, nil, statusError(http.StatusNotFound, "There is no study %d in the database.", id)
	}
	return sd, warns, err
}

func stateText(st goptuna.TrialState) string { return strings.ToLower(st.String()) }

func optNum(v float64, digits int) (string, float64) {
	if math.IsNaN(v) {
		return "–", math.NaN()
	}
	return strconv.FormatFloat(v, 'f', digits, 64), v
}

func optInt(v int) (string, float64) {
	if v < 0 {
		return "–", math.NaN()
	}
	return strconv.Itoa(v), float64(v)
}

func (s *Server) handleStudy(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		sd, warns, err := s.loadStudy(r, src)
		if err != nil {
			return err
		}
		params := sd.ParamNames()
		shown := params[:min(len(params), MaxParamColumns)]
		cols := []column{
			{key: "number", label: "trial", numeric: true}, {key: "state", label: "state", text: true},
			{key: "value", label: "loss", numeric: true}, {key: "confidence", label: "confidence", numeric: true},
			{key: "success", label: "success", numeric: true}, {key: "steps", label: "steps", numeric: true},
			{key: "image", label: "image", numeric: true},
		}
		for _, p := range shown {
			cols = append(cols, column{key: "param:" + p, label: p, numeric: true})
		}
		sp, err := parseSort(r.URL.Query(), cols, "number")
		if err != nil {
			return err
		}
		trials := sd.Trials
		rows := make([]trialRow, len(trials))
		for i, t := range trials {
			row := trialRow{Number: t.Number, State: stateText(t.State), Success: "–"}
			if t.Complete {
				row.Value, _ = optNum(t.Value, 4)
			} else {
				row.Value = "–"
			}
			row.Confidence, _ = optNum(t.Confidence, 3)
			if t.Judged {
				row.Success, row.SuccessClass = "no", "bad"
				if t.Success {
					row.Success, row.SuccessClass = "yes", "ok"
				}
			}
			row.Steps, _ = optInt(t.Steps)
			row.Image, _ = optInt(t.Image)
			for _, p := range shown {
				if txt, ok := t.ParamText[p]; ok {
					row.Params = append(row.Params, txt)
				} else {
					row.Params = append(row.Params, "–")
				}
			}
			if !t.Source.IsZero() {
				row.Source = "/artifacts/" + t.Source.String()
			}
			if !t.Result.IsZero() {
				row.Result = "/artifacts/" + t.Result.String()
			}
			rows[i] = row
		}
		key := func(i int) sortKey {
			t := trials[i]
			switch {
			case sp.key == "state":
				return sortKey{text: stateText(t.State)}
			case sp.key == "value":
				if !t.Complete {
					return sortKey{num: math.NaN()}
				}
				return sortKey{num: t.Value}
			case sp.key == "confidence":
				return sortKey{num: t.Confidence}
			case sp.key == "success":
				if !t.Judged {
					return sortKey{num: math.NaN()}
				}
				if t.Success {
					return sortKey{num: 1}
				}
				return sortKey{num: 0}
			case sp.key == "steps":
				_, v := optInt(t.Steps)
				return sortKey{num: v}
			case sp.key == "image":
				_, v := optInt(t.Image)
				return sortKey{num: v}
			case strings.HasPrefix(sp.key, "param:"):
				v, ok := t.Params[strings.TrimPrefix(sp.key, "param:")]
				if !ok {
					return sortKey{num: math.NaN()}
				}
				return sortKey{num: v}
			default:
				return sortKey{num: float64(t.Number)}
			}
		}
		sortRows(len(rows), isText(cols, sp.key), sp.desc, key, func(p []int) { rows = permute(rows, p) })
		total := len(rows)
		if len(rows) > MaxTrialRows {
			rows = rows[:MaxTrialRows]
		}
		var attrs []attr
		keys := make([]string, 0, len(sd.Attrs))
		for k := range sd.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			attrs = append(attrs, attr{k, sd.Attrs[k]})
		}
		var figs []figureView
		for _, f := range reports.StudyFigures(sd) {
			base := fmt.Sprintf("/studies/%d/figures/%s.", sd.ID, f.Name)
			figs = append(figs, figureView{Name: f.Name, Title: f.Title, Caption: f.Caption, PNG: base + "png", SVG: base + "svg",
				Width: int(f.Width.Dots(reports.FigureDPI) + 0.5), Height: int(f.Height.Dots(reports.FigureDPI) + 0.5)})
		}
		pair := contourPair(sd, r.URL.Query())
		runID, _ := strconv.Atoi(sd.Attrs[reports.AttrRun])
		complete := len(sd.Complete())
		s.pageRefresh(w, r, http.StatusOK, studyPage, fmt.Sprintf("cgx study %d: %s", sd.ID, sd.Name), struct {
			Study      reports.StudyData
			RunID      int
			Complete   int
			Warnings   []string
			Attrs      []attr
			Figures    []figureView
			Headers    []header
			Rows       []trialRow
			Total      int
			Hidden     bool
			MoreParams int
			Pair       pairView
		}{sd, max(runID, 0), complete, warns, attrs, figs, headers(fmt.Sprintf("/studies/%d", sd.ID), cols, sp), rows,
			total, total > len(rows), len(params) - len(shown), pair}, s.runLive(r, src, runID))
		return nil
	})
}

func (s *Server) handleStudyFigure(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		name, ext, ok := splitFile(r.PathValue("file"))
		if !ok || figureTypes[ext] == "" {
			return statusError(http.StatusNotFound, "Figures are NAME.png or NAME.svg, not %q.", r.PathValue("file"))
		}
		sd, _, err := s.loadStudy(r, src)
		if err != nil {
			return err
		}
		var f reports.Figure
		if name == contourName {
			f, err = reports.ContourFigure([]reports.StudyData{sd}, r.URL.Query().Get("x"), r.URL.Query().Get("y"))
		} else {
			f, err = reports.StudyFigure(sd, name)
		}
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

// contourName is the study figure drawn for the pair of parameters that
// ?x=&y= choose (/studies/ID/figures/contour.png?x=A&y=B).
const contourName = "contour"

// pairView is the study page's chosen-pair contour: the parameters to pick
// from (content studies with two or more), the pair, and its figure.
type pairView struct {
	Params []string
	X, Y   string
	Figure *figureView
	Error  string
}

// contourPair reads ?x=&y=; without them it offers the two most important
// parameters as the default choice and draws nothing more (the study's own
// contour figure already shows that pair).
func contourPair(sd reports.StudyData, q url.Values) pairView {
	if !sd.IsContent() {
		return pairView{}
	}
	params := reports.ParamNames([]reports.StudyData{sd})
	if len(params) < 2 {
		return pairView{}
	}
	pv := pairView{Params: params, X: q.Get("x"), Y: q.Get("y")}
	if pv.X == "" && pv.Y == "" {
		imp := reports.RoundImportance([]reports.StudyData{sd})
		pv.X, pv.Y = imp[0].Name, imp[1].Name
		return pv
	}
	f, err := reports.ContourFigure([]reports.StudyData{sd}, pv.X, pv.Y)
	if err != nil {
		pv.Error = fmt.Sprintf("No contour of %q and %q: pick two different parameters of this study.", pv.X, pv.Y)
		return pv
	}
	v := url.Values{"x": {pv.X}, "y": {pv.Y}}.Encode()
	base := fmt.Sprintf("/studies/%d/figures/%s.", sd.ID, contourName)
	pv.Figure = &figureView{Name: f.Name, Title: f.Title, Caption: f.Caption, PNG: base + "png?" + v, SVG: base + "svg?" + v,
		Width: int(f.Width.Dots(reports.FigureDPI) + 0.5), Height: int(f.Height.Dots(reports.FigureDPI) + 0.5)}
	return pv
}

// runLive says whether run id is still writing (its pages then reload
// themselves); false when it cannot be read.
func (s *Server) runLive(r *http.Request, src reports.Source, id int) bool {
	if id <= 0 {
		return false
	}
	run, err := src.GetRun(r.Context(), id)
	return err == nil && run.Status == tracker.RunRunning
}
