package dashboard

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

// SettingsFunc returns the settings a run used (its spec resolved under its
// profile) as dotted keys and values; the compare page shows them. The
// dashboard cannot resolve specs itself (reports never import experiments):
// cgx serve passes experiments.ResolvedSettings.
type SettingsFunc = reports.SettingsFunc

// WithSettings sets how the compare page resolves a run's settings; without
// it the page compares no settings and says so.
func WithSettings(fn SettingsFunc) Option { return func(s *Server) { s.settings = fn } }

// MaxCompareRuns bounds the runs one compare page shows.
const MaxCompareRuns = 8

var comparePage = template.Must(reports.PageTemplate().Parse(`{{define "body"}}<h1>Compare runs {{.Title}}</h1>
<p class="sub">Rows whose values differ are highlighted. {{if .OnlyDiff}}Showing differences only: <a href="{{.AllHref}}">show every row</a>.{{else}}<a href="{{.DiffHref}}">Show differences only</a>.{{end}} · <a href="/">All runs</a></p>
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
{{range .Sections}}<h2 id="{{.ID}}">{{.Name}}</h2>
{{if .Rows}}<div class="wide"><table class="compare"><thead><tr><th>{{.Name}}</th>{{range $.Runs}}<th><a href="/runs/{{.ID}}">run {{.ID}}</a><br><span class="sub">{{.Name}}</span></th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr{{if .Differs}} class="differs"{{end}}><td class="mono">{{.Key}}</td>{{range .Values}}<td class="val">{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{else}}<p class="empty">{{if $.OnlyDiff}}No differences.{{else}}Nothing recorded.{{end}}</p>{{end}}
{{end}}
{{if .Figures}}<h2 id="curves">Curves</h2>
{{range .Figures}}<figure><a href="{{.SVG}}"><img src="{{.PNG}}" width="{{.Width}}" height="{{.Height}}" alt="{{.Title}}"></a><figcaption><b>{{.Title}}.</b> {{.Caption}}</figcaption></figure>
{{end}}{{end}}{{end}}`))

// compareRunIDs reads ?run= (repeated, or comma-separated): 2 to
// MaxCompareRuns distinct ids, in the order given.
func compareRunIDs(r *http.Request) ([]int, error) {
	var ids []int
	seen := map[int]bool{}
	for _, v := range r.URL.Query()["run"] {
		for _, part := range strings.Split(v, ",") {
			id, err := positiveID(strings.TrimSpace(part), "run")
			if err != nil {
				return nil, statusError(http.StatusBadRequest, "%q is not a run id: compare takes ?run=ID&run=ID.", part)
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) < 2 || len(ids) > MaxCompareRuns {
		return nil, statusError(http.StatusBadRequest, "Compare needs 2 to %d different runs (?run=ID&run=ID), not %d: tick them on the runs page.", MaxCompareRuns, len(ids))
	}
	return ids, nil
}

func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		ids, err := compareRunIDs(r)
		if err != nil {
			return err
		}
		onlyDiff := r.URL.Query().Get("only") == "diff"
		var rds []*reports.RunData
		for _, id := range ids {
			rd, err := reports.LoadRun(r.Context(), src, id)
			if errors.Is(err, reports.ErrNotFound) {
				return statusError(http.StatusNotFound, "There is no run %d in the database.", id)
			}
			if err != nil {
				return err
			}
			rds = append(rds, rd)
		}
		c := reports.Compare(rds, s.settings)
		if onlyDiff {
			c = c.OnlyDifferences()
		}
		q := r.URL.Query()
		q.Del("only")
		all := "/compare?" + q.Encode()
		q.Set("only", "diff")
		titles := make([]string, len(ids))
		for i, id := range ids {
			titles[i] = strconv.Itoa(id)
		}
		var figs []figureView
		for _, f := range reports.CompareFigures(rds) {
			base := "/compare/figures/" + f.Name + "."
			query := "?" + compareQuery(ids)
			figs = append(figs, figureView{Name: f.Name, Title: f.Title, Caption: f.Caption, PNG: base + "png" + query, SVG: base + "svg" + query,
				Width: int(f.Width.Dots(reports.FigureDPI) + 0.5), Height: int(f.Height.Dots(reports.FigureDPI) + 0.5)})
		}
		s.page(w, r, http.StatusOK, comparePage, "cgx compare runs "+strings.Join(titles, ", "), struct {
			Title             string
			Runs              []tracker.Run
			Sections          []reports.CompareSection
			Notes             []string
			OnlyDiff          bool
			AllHref, DiffHref string
			Figures           []figureView
		}{strings.Join(titles, ", "), c.Runs, c.Sections, c.Notes, onlyDiff, all, "/compare?" + q.Encode(), figs})
		return nil
	})
}

func compareQuery(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "run=" + strconv.Itoa(id)
	}
	return strings.Join(parts, "&")
}

func (s *Server) handleCompareFigure(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		name, ext, ok := splitFile(r.PathValue("file"))
		if !ok || figureTypes[ext] == "" {
			return statusError(http.StatusNotFound, "Figures are NAME.png or NAME.svg, not %q.", r.PathValue("file"))
		}
		ids, err := compareRunIDs(r)
		if err != nil {
			return err
		}
		var rds []*reports.RunData
		for _, id := range ids {
			rd, err := reports.LoadRun(r.Context(), src, id)
			if errors.Is(err, reports.ErrNotFound) {
				return statusError(http.StatusNotFound, "There is no run %d in the database.", id)
			}
			if err != nil {
				return err
			}
			rds = append(rds, rd)
		}
		for _, f := range reports.CompareFigures(rds) {
			if f.Name == name {
				b, err := f.Render(r.Context(), src, ext)
				if err != nil {
					return err
				}
				s.bytes(w, r, http.StatusOK, figureTypes[ext], b)
				return nil
			}
		}
		return statusError(http.StatusNotFound, "These runs have no figure %q.", name)
	})
}
