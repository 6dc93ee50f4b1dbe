package experiments

import (
	"context"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// checkReport reads a finished run back the way 'cgx report' does and
// requires the reports to understand everything the runner wrote: no
// warnings, the tables of the spec's kind with one row per stage they cover,
// and every study, stage and metric name parsed by package keys as the
// runner meant it.
func checkReport(t *testing.T, st *bolt.Store, b Builtin, res Result) {
	t.Helper()
	rd, err := reports.LoadRun(context.Background(), st, res.RunID)
	if err != nil {
		t.Fatalf("reports.LoadRun: %v", err)
	}
	for _, w := range rd.Warnings {
		t.Errorf("report warning: %s", w)
	}
	count := func(family string) int {
		n := 0
		for _, s := range res.Stages {
			if strings.HasPrefix(s.Name, family+"/") {
				n++
			}
		}
		return n
	}
	rounds, exps := map[string]bool{}, map[string]int{}
	for _, s := range res.Stages {
		if e, r, ok := keys.ParseSearchStage(s.Name); ok && !rounds[keys.SearchRound(e, r)] {
			rounds[keys.SearchRound(e, r)] = true
			exps[e]++
		}
	}
	want := map[string]int{ // table -> rows
		reports.TableDiscriminator: count(keys.FamilyDiscriminator),
		reports.TableStudies:       len(rd.Studies),
	}
	switch b.Kind {
	case KindStyle:
		want[reports.TableStyle] = count(keys.FamilyFit)
	case KindContent:
		want[reports.TableContent] = len(rounds)
		want[reports.TableSamplers] = -1 // at least one row
		// Content truth (shelf.go): exp1 per round and block, exp2 per round.
		if exps["exp1"] > 0 {
			want[reports.TableStanding] = -1
		}
		if exps["exp2"] > 0 {
			want[reports.TableShelf] = exps["exp2"]
		}
	case KindSegmentation:
		sets := map[string]bool{} // one row per training set, over its seeds
		for _, s := range res.Stages {
			if set, _, ok := keys.ParseSegmentationSeedStage(s.Name); ok {
				sets[set] = true
			}
		}
		want[reports.TableSegmentation] = len(sets)
		want[reports.TableStyle] = count(keys.FamilyFit)
	}
	for name, rows := range want {
		tab, err := rd.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case rows == -1 && len(tab.Rows) == 0, rows >= 0 && len(tab.Rows) != rows:
			t.Errorf("table %s has %d rows, want %d", name, len(tab.Rows), rows)
		case len(tab.Rows) == 0:
			t.Errorf("table %s is empty", name)
		}
	}
	if len(rd.Studies) == 0 {
		t.Error("the report finds no studies")
	}
	computedBy := map[string]int{} // stage name -> the run that computed it (an earlier one when reused)
	for _, s := range res.Stages {
		computedBy[s.Name] = s.RunID
	}
	for _, s := range rd.Studies {
		run, stage, ok := keys.ParseStudyName(s.Name)
		if !ok || run != computedBy[stage] || stage != s.Stage {
			t.Errorf("study %q: parsed as run %d stage %q (%v); attribute stage %q, computed by run %d",
				s.Name, run, stage, ok, s.Stage, computedBy[stage])
		}
		switch s.Kind {
		case keys.KindStyle:
			m, d, _, ok := keys.ParseFitRoundStage(s.Stage)
			if !ok {
				m, d, ok = keys.ParseFitDistributionStage(s.Stage)
			}
			if !ok || m != s.Manipulation || d != s.Direction || len(s.Complete()) == 0 {
				t.Errorf("style study %q: stage says %q %q, attributes %q %q, %d complete trials",
					s.Name, m, d, s.Manipulation, s.Direction, len(s.Complete()))
			}
		case keys.KindContent:
			if s.Search == "" || s.Round < 1 || s.Sampler == "" || !s.HasSeed || len(s.Complete()) == 0 {
				t.Errorf("content study %q: search %q round %d sampler %q seed %v, %d complete trials",
					s.Name, s.Search, s.Round, s.Sampler, s.HasSeed, len(s.Complete()))
			}
		default:
			t.Errorf("study %q has kind %q", s.Name, s.Kind)
		}
	}
	for k := range rd.Metrics {
		if _, _, ok := keys.SplitMetric(k); !ok {
			t.Errorf("metric %q is not <stage>/<measure>", k)
		}
	}
	if len(rd.Figures()) == 0 && b.Kind != KindSegmentation {
		t.Error("the report has no figures")
	}
}

// TestReportContractQuick keeps the runner-to-reports contract in the -short
// lane: one style and one content built-in, smoke profile, read back through
// the reports. The full lane checks every built-in in
// TestBuiltinSmokeRunsVerify instead.
func TestReportContractQuick(t *testing.T) {
	if !testing.Short() {
		t.Skip("TestBuiltinSmokeRunsVerify checks every built-in without -short")
	}
	bs, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, b := range bs {
		if b.Name != "style/blur" && b.Name != "content/exp1" {
			continue
		}
		ran++
		t.Run(b.Name, func(t *testing.T) {
			st := openStore(t, t.TempDir())
			checkReport(t, st, b, runSpec(t, st, b.Name, Options{Workers: 2}))
		})
	}
	if ran != 2 {
		t.Fatalf("found %d of the built-ins style/blur and content/exp1", ran)
	}
}
