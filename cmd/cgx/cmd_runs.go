package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const runsUsage = `Usage: cgx runs [--tag TAG] [--status STATUS] [--name TEXT] [--grep TEXT] [--json]
       cgx runs rm RUN... [--json]

Lists the runs in the database, newest last: id, spec name, profile, seed, status,
start time, duration, key metrics (mask AP, success rate, best loss, discriminator
accuracy: the run-level figure of each, 3 significant digits), tags and the first
line of the note. The filters combine:
--tag lists the runs with that tag, --status those in a state (running,
succeeded, failed, interrupted), --name those whose spec name contains TEXT,
--grep those whose name, profile, tags or note contain TEXT (any case).
'cgx show RUN' shows one in full.

'cgx runs rm' deletes runs: each run's record, the stages it computed that no
other run reuses, and its studies. Stages that other runs reuse are kept
(shown as computed by a deleted run). Artifact bytes stay until 'cgx gc'.
Readers ('cgx show', the dashboard) see a run either whole or gone.

Examples:
  cgx runs
  cgx runs --tag baseline
  cgx runs --status failed --name blur
  cgx runs --json | jq '.[] | select(.Status == "failed")'
  cgx runs rm 3 4 && cgx gc`

type runsOptions struct {
	json                    bool
	tag, status, name, grep string
}

// match reports whether r passes every filter of o.
func (o runsOptions) match(r tracker.Run) bool {
	if o.tag != "" && !slices.Contains(r.Tags(), o.tag) {
		return false
	}
	if o.status != "" && string(r.Status) != o.status {
		return false
	}
	if o.name != "" && !strings.Contains(r.Name, o.name) {
		return false
	}
	if o.grep != "" {
		hay := strings.ToLower(strings.Join(append([]string{r.Name, r.Profile, r.Note()}, r.Tags()...), "\n"))
		if !strings.Contains(hay, strings.ToLower(o.grep)) {
			return false
		}
	}
	return true
}

func (o runsOptions) filtered() bool {
	return o.tag != "" || o.status != "" || o.name != "" || o.grep != ""
}

func init() {
	register(&command{name: "runs", summary: "list the stored runs; 'runs rm' deletes runs", usage: runsUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o runsOptions
			fs := g.newFlagSet("runs", runsUsage)
			fs.BoolVar(&o.json, "json", false, "print JSON")
			fs.StringVar(&o.tag, "tag", "", "list only the runs tagged `TAG`")
			fs.StringVar(&o.status, "status", "", "list only the runs in `STATUS` (running, succeeded, failed, interrupted)")
			fs.StringVar(&o.name, "name", "", "list only the runs whose spec name contains `TEXT`")
			fs.StringVar(&o.grep, "grep", "", "list only the runs whose name, profile, tags or note contain `TEXT` (any case)")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 && rest[0] == "rm" {
				if len(rest) == 1 {
					return g.usageErrorf("runs rm takes one or more run ids; 'cgx runs' lists them")
				}
				var ids []int
				for _, a := range rest[1:] {
					id, err := parseRunID(g, a)
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return runRunsRm(ctx, o.json, ids, g)
			}
			if len(rest) > 0 {
				return g.usageErrorf("runs takes no arguments; to see one run use 'cgx show %s'", rest[0])
			}
			switch tracker.RunStatus(o.status) {
			case "", tracker.RunRunning, tracker.RunSucceeded, tracker.RunFailed, tracker.RunInterrupted:
			default:
				return g.usageErrorf("unknown status %q; use running, succeeded, failed or interrupted", o.status)
			}
			return runRuns(ctx, o, g)
		}})
}

// runJSON is a run as 'cgx runs --json' lists it: the stored record
// (without the spec text) plus its tags and note.
type runJSON struct {
	tracker.Run
	Tags []string `json:"tags"`
	Note string   `json:"note"`
}

func runRuns(ctx context.Context, o runsOptions, g *globals) (err error) {
	st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	// A damaged record does not hide the others: the tracker returns every
	// run that decodes with one error naming the bad ones, which is printed
	// after the listing.
	all, listErr := st.ListRuns(ctx)
	if listErr != nil && len(all) == 0 {
		return listErr
	}
	defer func() {
		if err == nil {
			err = listErr
		}
	}()
	runs := all[:0:0]
	for _, r := range all {
		if o.match(r) {
			runs = append(runs, r)
		}
	}
	if o.json {
		out := make([]runJSON, len(runs))
		for i, r := range runs {
			tags := r.Tags()
			if tags == nil {
				tags = []string{}
			}
			r.Spec = "" // 'cgx show RUN --json' has it; listings stay small
			out[i] = runJSON{Run: r, Tags: tags, Note: r.Note()}
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(runs) == 0 {
		if o.filtered() {
			if o.tag != "" && len(all) > 0 {
				fmt.Fprintf(g.stdout, "no run matches; is one tagged %q? ('cgx tag RUN %s' adds the tag)\n", o.tag, o.tag)
			} else {
				fmt.Fprintf(g.stdout, "none of the %d runs matches the filters\n", len(all))
			}
			return nil
		}
		fmt.Fprintln(g.stdout, "no runs yet; start one with 'cgx run style/blur --profile smoke' ('cgx specs' lists experiments)")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tNAME\tPROFILE\tSEED\tSTATUS\tSTARTED\tDURATION\tKEY METRICS\tTAGS\tNOTE")
	for _, r := range runs {
		tags := strings.Join(r.Tags(), ",")
		if tags == "" {
			tags = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, safeText(r.Name), r.Profile, r.Seed, r.Status,
			r.Started.Local().Format("2006-01-02 15:04:05"), runDuration(r), safeText(keyMetrics(r.Metrics)), safeText(tags), safeText(noteSummary(r.Note())))
	}
	return tw.Flush()
}

// keyMeasures are the measures 'cgx runs' shows, in order.
var keyMeasures = []string{keys.MeasureAP, keys.MeasureSuccessRate, keys.MeasureBestLoss, keys.MeasureAccuracy}

// keyMetrics summarises a run's metrics: for each key measure, the metric
// with the shortest stage name (the run-level aggregate before per-round or
// per-seed figures), as measure=value with 3 significant digits.
func keyMetrics(m map[string]float64) string {
	var parts []string
	for _, measure := range keyMeasures {
		best := ""
		for k := range m {
			_, ms, ok := keys.SplitMetric(k)
			if !ok || ms != measure {
				continue
			}
			if best == "" || len(k) < len(best) || (len(k) == len(best) && k < best) {
				best = k
			}
		}
		if best != "" {
			parts = append(parts, measure+"="+strconv.FormatFloat(m[best], 'g', 3, 64))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// noteSummary is the first line of a note, cut to 40 characters.
func noteSummary(note string) string {
	line, _, more := strings.Cut(strings.TrimSpace(note), "\n")
	r := []rune(line)
	if len(r) > 40 {
		return string(r[:39]) + "…"
	}
	if more {
		return line + " …"
	}
	return line
}

func runRunsRm(ctx context.Context, asJSON bool, ids []int, g *globals) (err error) {
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	var dels []tracker.RunDeletion
	for _, id := range ids {
		del, err := st.DeleteRun(ctx, id)
		if err != nil {
			return fmt.Errorf("%w; 'cgx runs' lists the runs", err)
		}
		dels = append(dels, del)
		if !asJSON {
			fmt.Fprintf(g.stdout, "deleted run %d: %d stages, %d studies", id, len(del.Stages), len(del.Studies))
			if len(del.KeptStages) > 0 {
				fmt.Fprintf(g.stdout, "; kept %d stages other runs reuse", len(del.KeptStages))
			}
			fmt.Fprintln(g.stdout)
		}
	}
	if asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(dels)
	}
	fmt.Fprintln(g.stdout, "artifact bytes stay until 'cgx gc' (try 'cgx gc --dry-run' first)")
	return nil
}

func runDuration(r tracker.Run) string {
	if r.Ended.IsZero() {
		return "-"
	}
	return r.Ended.Sub(r.Started).Round(10 * time.Millisecond).String()
}
