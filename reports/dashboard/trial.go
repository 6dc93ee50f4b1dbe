package dashboard

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"

	"github.com/cgx-dev/cgx/reports"
)

var trialPage = template.Must(reports.PageTemplate().Parse(`{{define "body"}}<h1>Trial {{.Trial.Number}} of study {{.Study.ID}}</h1>
<p class="sub"><a href="/studies/{{.Study.ID}}">{{.Study.Name}}</a>{{if .RunID}} · <a href="/runs/{{.RunID}}">run {{.RunID}}</a>{{end}} · {{.State}}{{if .Prev}} · <a href="{{.Prev}}">previous trial</a>{{end}}{{if .Next}} · <a href="{{.Next}}">next trial</a>{{end}}</p>
<dl class="facts"><dt>loss</dt><dd>{{.Value}}</dd><dt>confidence</dt><dd>{{.Confidence}}</dd><dt>success</dt><dd>{{.Success}}</dd>{{if .Steps}}<dt>steps</dt><dd>{{.Steps}}</dd>{{end}}{{if .Image}}<dt>image</dt><dd>{{.Image}}</dd>{{end}}</dl>
{{if .Images}}<h2>Images</h2><div class="thumbs">{{range .Images}}<figure class="thumb"><a href="{{.Href}}"><img src="{{.Href}}" alt="{{.Label}}" width="256"></a><figcaption>{{.Label}}</figcaption></figure>{{end}}</div>{{end}}
{{with .Curve}}<h2>Loss per step</h2><figure id="figure-curve"><a href="{{.SVG}}"><img src="{{.PNG}}" width="{{.Width}}" height="{{.Height}}" alt="{{.Title}}"></a><figcaption><b>{{.Title}}.</b> {{.Caption}}</figcaption></figure>{{end}}
<h2>Parameters</h2>
{{if .Params}}<div class="wide"><table id="params"><thead><tr><th>parameter</th><th class="num">value</th></tr></thead><tbody>
{{range .Params}}<tr><td class="mono">{{.Key}}</td><td class="num">{{.Value}}</td></tr>
{{end}}</tbody></table></div>{{else}}<p class="empty">No parameters.</p>{{end}}
<h2>Attributes</h2>
{{if .Attrs}}<dl class="facts">{{range .Attrs}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{else}}<p class="empty">No attributes.</p>{{end}}{{end}}`))

type thumb struct{ Href, Label string }

// findTrial returns the index in sd.Trials of the trial numbered by the
// path's {trial}; a 404 when there is none.
func findTrial(r *http.Request, sd reports.StudyData) (int, error) {
	s := r.PathValue("trial")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return 0, statusError(http.StatusNotFound, "%q is not a trial number: numbers are whole numbers from 0.", s)
	}
	for i, t := range sd.Trials {
		if t.Number == n {
			return i, nil
		}
	}
	return 0, statusError(http.StatusNotFound, "Study %d has no trial %d.", sd.ID, n)
}

func (s *Server) handleTrial(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		sd, _, err := s.loadStudy(r, src)
		if err != nil {
			return err
		}
		i, err := findTrial(r, sd)
		if err != nil {
			return err
		}
		t := sd.Trials[i]
		link := func(j int) string {
			if j < 0 || j >= len(sd.Trials) {
				return ""
			}
			return fmt.Sprintf("/studies/%d/trials/%d", sd.ID, sd.Trials[j].Number)
		}
		var imgs []thumb
		if !t.Source.IsZero() {
			imgs = append(imgs, thumb{"/artifacts/" + t.Source.String(), "before (source image)"})
		}
		if !t.Result.IsZero() {
			imgs = append(imgs, thumb{"/artifacts/" + t.Result.String(), "after (result)"})
		}
		// The study's parameter order (r, g, b as the CLI and trial table).
		var params, attrs []attr
		for _, k := range sd.ParamNames() {
			if v, ok := t.ParamText[k]; ok {
				params = append(params, attr{k, v})
			}
		}
		akeys := make([]string, 0, len(t.Attrs))
		for k := range t.Attrs {
			akeys = append(akeys, k)
		}
		sort.Strings(akeys)
		for _, k := range akeys {
			attrs = append(attrs, attr{k, t.Attrs[k]})
		}
		var curve *figureView
		if f, ok := reports.TrialCurveFigure(sd, t); ok {
			base := fmt.Sprintf("/studies/%d/trials/%d/figures/curve.", sd.ID, t.Number)
			curve = &figureView{Name: f.Name, Title: f.Title, Caption: f.Caption, PNG: base + "png", SVG: base + "svg",
				Width: int(f.Width.Dots(reports.FigureDPI) + 0.5), Height: int(f.Height.Dots(reports.FigureDPI) + 0.5)}
		}
		value := "–"
		if t.Complete {
			value, _ = optNum(t.Value, 6)
		}
		conf, _ := optNum(t.Confidence, 4)
		success := "–"
		if t.Judged {
			success = map[bool]string{true: "yes", false: "no"}[t.Success]
		}
		steps, _ := optInt(t.Steps)
		image, _ := optInt(t.Image)
		if steps == "–" {
			steps = ""
		}
		if image == "–" {
			image = ""
		}
		runID, _ := strconv.Atoi(sd.Attrs[reports.AttrRun])
		s.pageRefresh(w, r, http.StatusOK, trialPage, fmt.Sprintf("cgx study %d trial %d", sd.ID, t.Number), struct {
			Study                             reports.StudyData
			Trial                             reports.Trial
			RunID                             int
			State, Value, Confidence, Success string
			Steps, Image, Prev, Next          string
			Images                            []thumb
			Curve                             *figureView
			Params, Attrs                     []attr
		}{sd, t, max(runID, 0), stateText(t.State), value, conf, success, steps, image, link(i - 1), link(i + 1), imgs, curve, params, attrs}, s.runLive(r, src, runID))
		return nil
	})
}

func (s *Server) handleTrialFigure(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		name, ext, ok := splitFile(r.PathValue("file"))
		if !ok || figureTypes[ext] == "" || name != "curve" {
			return statusError(http.StatusNotFound, "A trial's figure is curve.png or curve.svg, not %q.", r.PathValue("file"))
		}
		sd, _, err := s.loadStudy(r, src)
		if err != nil {
			return err
		}
		i, err := findTrial(r, sd)
		if err != nil {
			return err
		}
		f, ok := reports.TrialCurveFigure(sd, sd.Trials[i])
		if !ok {
			return statusError(http.StatusNotFound, "Trial %d of study %d recorded no loss per step.", sd.Trials[i].Number, sd.ID)
		}
		b, err := f.Render(r.Context(), src, ext)
		if err != nil {
			return err
		}
		s.bytes(w, r, http.StatusOK, figureTypes[ext], b)
		return nil
	})
}
