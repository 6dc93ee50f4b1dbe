package main

import (
	"bufio"
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const studiesUsage = `Usage: cgx studies [--json]

Lists the goptuna studies in the database: id, name, direction, how many trials
are complete, running, pruned and failed, the best value and when the study
started. Studies made by a run are named run-<id>/<stage>. Works while a run is
writing the database.

Examples:
  cgx studies
  cgx studies --json | jq '.[] | select(.running > 0) | .name'
  cgx trials 3            # the trials of study 3`

func init() {
	register(&command{name: "studies", summary: "list the studies in the database", usage: studiesUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var asJSON bool
			fs := g.newFlagSet("studies", studiesUsage)
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("studies takes no arguments; to list one study's trials use 'cgx trials %s'", rest[0])
			}
			return runStudies(g, asJSON)
		}})
}

// studyJSON is one study in 'cgx studies --json'.
type studyJSON struct {
	ID           int                `json:"id"`
	Name         string             `json:"name"`
	Direction    string             `json:"direction"`
	Trials       int                `json:"trials"`
	Complete     int                `json:"complete"`
	Running      int                `json:"running"`
	Pruned       int                `json:"pruned"`
	Fail         int                `json:"fail"`
	Waiting      int                `json:"waiting"`
	BestValue    *tracker.JSONFloat `json:"best_value"`
	BestNumber   *int               `json:"best_number"`
	Created      time.Time          `json:"created"`
	Started      *time.Time         `json:"started"`
	LastComplete *time.Time         `json:"last_complete"`
	UserAttrs    map[string]string  `json:"user_attrs"`
	SystemAttrs  map[string]string  `json:"system_attrs"`
}

func toStudyJSON(s tracker.StudyInfo) studyJSON {
	j := studyJSON{ID: s.ID, Name: s.Name, Direction: string(s.Direction), Trials: s.Stats.Trials,
		Complete: s.Stats.Complete, Running: s.Stats.Running, Pruned: s.Stats.Pruned, Fail: s.Stats.Fail,
		Waiting: s.Stats.Waiting, Created: s.Created, Started: timeOrNil(s.Stats.FirstStart),
		LastComplete: timeOrNil(s.Stats.LastComplete), UserAttrs: s.UserAttrs, SystemAttrs: s.SystemAttrs}
	if s.Stats.BestTrialID != 0 {
		v, n := tracker.JSONFloat(s.Stats.BestValue), s.Stats.BestNumber
		j.BestValue, j.BestNumber = &v, &n
	}
	return j
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// openForReading opens the database read-only: it never creates a file and
// works while another process writes.
func openForReading(g *globals) (backend.DB, error) {
	return backend.Open(context.Background(), g.dbPath(), backend.Options{ReadOnly: true})
}

func runStudies(g *globals, asJSON bool) (err error) {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	// A damaged record does not hide the others: every record that decodes
	// is listed, then the error naming the bad ones.
	studies, listErr := st.Studies()
	if listErr != nil && len(studies) == 0 {
		return listErr
	}
	defer func() {
		if err == nil {
			err = listErr
		}
	}()
	if asJSON {
		out := make([]studyJSON, len(studies))
		for i, s := range studies {
			out[i] = toStudyJSON(s)
		}
		return writeJSON(g.stdout, out)
	}
	if len(studies) == 0 {
		fmt.Fprintf(g.stdout, "no studies in %s yet; runs create them ('cgx run', 'cgx specs' lists experiments)\n", st.Info().Location)
		return nil
	}
	w := bufio.NewWriter(g.stdout)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDIRECTION\tTRIALS\tCOMPLETE\tRUNNING\tPRUNED\tFAIL\tBEST\tSTARTED")
	for _, s := range studies {
		best := "-"
		if s.Stats.BestTrialID != 0 {
			best = fmt.Sprintf("%s (#%d)", formatFloat(s.Stats.BestValue), s.Stats.BestNumber)
		}
		started := "-"
		if !s.Stats.FirstStart.IsZero() {
			started = s.Stats.FirstStart.Local().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", s.ID, safeText(s.Name), s.Direction, s.Stats.Trials,
			s.Stats.Complete, s.Stats.Running, s.Stats.Pruned, s.Stats.Fail, best, started)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return w.Flush()
}
