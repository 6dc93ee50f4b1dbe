package storagetest

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

// Secret is a password a DBFactory may put in the connection string it
// opens (a server that trusts local connections ignores it); Info must
// never show it.
const Secret = "cgx-storagetest-secret-3f9a"

func maintenanceCases() []dbCase {
	return []dbCase{
		{"check is clean on a populated database", maintCheck},
		{"gc removes only unreferenced artifacts", maintGC},
		{"info names the backend without a password", maintInfo},
	}
}

// populate fills db with a little of everything, as a run leaves it: a
// study with finished trials and one RUNNING, a run, two stages, artifacts.
// It returns the artifact bytes stored.
func populate(t *testing.T, db tracker.DB) (studies, trials, runs, stages, artifacts int, bytes int64) {
	t.Helper()
	img := of(db.PutArtifact(bg, []byte("png"), tracker.ArtifactMeta{Kind: "image", MediaType: "image/png"})).must(t)
	w := of(db.PutArtifact(bg, []byte("weights!"), tracker.ArtifactMeta{Kind: "weights"})).must(t)
	sid := of(db.CreateNewStudy("run-1/fit/blur/cg-to-real")).must(t)
	in := finishedTrials()
	in[0].UserAttrs["result"] = img.String()
	of(db.AddFinishedTrials(sid, in)).must(t)
	of(db.CreateNewTrial(sid)).must(t)
	run := of(db.CreateRun(bg, tracker.Run{Name: "style/blur", Studies: []int{sid}, Artifacts: []tracker.ID{w}, Stages: []string{"k1", "k2"}})).must(t)
	ok(t, db.PutStage(bg, tracker.Stage{Key: "k1", Name: "dataset/cg", RunID: run, Status: "done", Outputs: map[string]tracker.ID{"image": img}, Started: at(1)}))
	ok(t, db.PutStage(bg, tracker.Stage{Key: "k2", Name: "fit/blur/cg-to-real", RunID: run, Status: "done", Studies: []int{sid}, Started: at(2)}))
	return 1, len(in) + 1, 1, 2, 2, int64(len("png") + len("weights!"))
}

func maintCheck(t *testing.T, db tracker.DB) {
	studies, trials, runs, stages, artifacts, bytes := populate(t, db)
	rep := of(db.Check(bg)).must(t)
	if !rep.OK() {
		t.Errorf("check found problems in a sound database: %+v", rep.Problems)
	}
	got := [6]int64{int64(rep.Studies), int64(rep.Trials), int64(rep.Runs), int64(rep.Stages), int64(rep.Artifacts), rep.ArtifactBytes}
	want := [6]int64{int64(studies), int64(trials), int64(runs), int64(stages), int64(artifacts), bytes}
	if got != want {
		t.Errorf("check counted studies, trials, runs, stages, artifacts, bytes = %v, want %v", got, want)
	}
	if rep.RunningTrials != 1 {
		t.Errorf("check counted %d running trials, want 1", rep.RunningTrials)
	}
}

func maintGC(t *testing.T, db tracker.DB) {
	put := func(s string, runID int, media string) tracker.ID {
		return of(db.PutArtifact(bg, []byte(s), tracker.ArtifactMeta{Kind: "k", MediaType: media, RunID: runID})).must(t)
	}
	run := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	child := put("named by the manifest", run, "image/png")
	manifest := put(`{"images":[{"id":"`+child.String()+`"}]}`, run, "application/json")
	byRun := put("listed by the run", run, "")
	byStage := put("output of a stage", run, "")
	byTrial := put("named by a trial attribute", run, "")
	byRunAttr := put("named by a run attribute", run, "")
	unref := put("nothing names me", run, "")
	unowned := put("made outside any run", 0, "")
	ok(t, db.UpdateRun(bg, run, func(r *tracker.Run) error {
		r.Artifacts = []tracker.ID{manifest, byRun}
		r.Attrs = map[string]string{"best": byRunAttr.String()}
		return nil
	}))
	ok(t, db.PutStage(bg, tracker.Stage{Key: "k", Name: "s", RunID: run, Status: "done", Outputs: map[string]tracker.ID{"w": byStage}}))
	sid := of(db.CreateNewStudy("run-1/s")).must(t)
	tr := finishedTrials()[:1]
	tr[0].UserAttrs["result"] = byTrial.String()
	of(db.AddFinishedTrials(sid, tr)).must(t)
	kept := []tracker.ID{child, manifest, byRun, byStage, byTrial, byRunAttr}

	ids := func(ms []tracker.ArtifactMeta) []tracker.ID {
		var out []tracker.ID
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	dry := of(db.GC(bg, tracker.GCOptions{DryRun: true})).must(t)
	diff(t, "dry-run GC's artifacts", []tracker.ID{unref}, ids(dry.Artifacts))
	if n := len(of(db.ListArtifacts(bg, "")).must(t)); n != 8 {
		t.Errorf("a dry run removed artifacts: %d left of 8", n)
	}
	rep := of(db.GC(bg, tracker.GCOptions{})).must(t)
	diff(t, "GC's artifacts", []tracker.ID{unref}, ids(rep.Artifacts))
	if rep.Kept != 7 || rep.Bytes < int64(len("nothing names me")) {
		t.Errorf("GC kept %d (want 7) and removed %d bytes", rep.Kept, rep.Bytes)
	}
	_, _, err := db.GetArtifact(bg, unref)
	wantErr(t, "GetArtifact of a collected artifact", err, tracker.ErrNotFound)
	for _, id := range append(kept, unowned) {
		if _, _, err := db.GetArtifact(bg, id); err != nil {
			t.Errorf("GC removed or damaged a referenced or unowned artifact: %v", err)
		}
	}
	rep = of(db.GC(bg, tracker.GCOptions{Unowned: true})).must(t)
	diff(t, "GC --unowned's artifacts", []tracker.ID{unowned}, ids(rep.Artifacts))
	left := ids(of(db.ListArtifacts(bg, "")).must(t))
	slices.SortFunc(left, func(a, b tracker.ID) int { return strings.Compare(a.String(), b.String()) })
	slices.SortFunc(kept, func(a, b tracker.ID) int { return strings.Compare(a.String(), b.String()) })
	diff(t, "artifacts after GC", kept, left)
	if chk := of(db.Check(bg)).must(t); !chk.OK() {
		t.Errorf("check after GC: %+v", chk.Problems)
	}
}

func maintInfo(t *testing.T, db tracker.DB) {
	info := db.Info()
	if info == (tracker.Info{}) {
		t.Skip("backend does not provide Info yet: Info() is the zero Info")
	}
	if info.Backend == "" || info.Location == "" || info.FormatVersion <= 0 || info.ReadOnly {
		t.Errorf("Info() = %+v: want a backend, a location, a format version and not read-only", info)
	}
	loc := strings.ToLower(info.Location)
	if strings.Contains(loc, "password=") {
		t.Errorf("Info().Location %q holds a password parameter", info.Location)
	}
	if u, err := url.Parse(info.Location); err == nil && u.User != nil {
		if _, set := u.User.Password(); set {
			t.Errorf("Info().Location %q holds a password", info.Location)
		}
	}
	if strings.Contains(info.Location, Secret) {
		t.Errorf("Info().Location %q shows the password the test put in the connection string", info.Location)
	}
}
