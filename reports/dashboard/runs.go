package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"time"

	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

var runsPage = template.Must(reports.PageTemplate().Parse(`{{define "body"}}<h1>Runs</h1>
{{if .}}<div class="wide"><table id="runs"><thead><tr><th class="num">run</th><th>name</th><th>status</th><th>profile</th><th class="num">seed</th><th>started</th><th class="num">duration</th><th class="num">studies</th></tr></thead><tbody>
{{range .}}<tr><td class="num"><a href="/runs/{{.ID}}">{{.ID}}</a></td><td><a href="/runs/{{.ID}}">{{.Name}}</a></td><td><span class="badge {{.Status}}">{{.Status}}</span></td><td>{{.Profile}}</td><td class="num">{{.Seed}}</td><td>{{.Started}}</td><td class="num">{{.Duration}}</td><td class="num">{{.Studies}}</td></tr>
{{end}}</tbody></table></div>
{{else}}<p class="empty">No runs yet. Start one with <code>cgx run SPEC</code>; this page shows it as soon as it begins.</p>{{end}}{{end}}`))

type runRow struct {
	ID                                       int
	Name, Status, Profile, Started, Duration string
	Seed                                     int64
	Studies                                  int
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	s.withSource(w, r, func(src reports.Source) error {
		runs, err := src.ListRuns(r.Context())
		if err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].ID > runs[j].ID })
		rows := make([]runRow, len(runs))
		for i, run := range runs {
			d := "–"
			if !run.Ended.IsZero() && !run.Started.IsZero() {
				d = run.Ended.Sub(run.Started).Round(time.Second).String()
			}
			rows[i] = runRow{ID: run.ID, Name: run.Name, Status: string(run.Status), Profile: run.Profile,
				Started: timeText(run.Started), Duration: d, Seed: run.Seed, Studies: len(run.Studies)}
		}
		s.page(w, r, http.StatusOK, runsPage, "cgx runs", rows)
		return nil
	})
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
		if err := reports.WriteRunPage(&b, rd, figs, runLinks(rd.Run.ID)); err != nil {
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
