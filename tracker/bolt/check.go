package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// Check validates the database's invariants (bbolt page structure, format
// record, every record decodes, indexes agree, numbers are dense, stored
// aggregates match the trials, links between runs, stages and artifacts
// resolve) and re-hashes every artifact's object file. The error is for
// failures to check at all; damage is in the report.
func (s *Store) Check(ctx context.Context) (tracker.CheckReport, error) {
	src, err := s.src()
	if err != nil {
		return tracker.CheckReport{}, err
	}
	rep, err := src.checkDB()
	if err != nil {
		return rep, err
	}
	// Metadata that does not decode, or a missing bucket, is in the report
	// already: re-hash what can be read.
	metas, err := src.artifactList("")
	if err != nil && !errors.Is(err, tracker.ErrCorruptDB) {
		return rep, fmt.Errorf("check %s: %w", s.path, err)
	}
	if err := checkObjects(ctx, s.objects, metas, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// checkTx checks the file's structure (as the guard did before bbolt
// opened it: bbolt's own Tx.Check runs in a goroutine and crashes the
// process on some damage) and then every record as seen through tx. No
// commit may run meanwhile.
func checkTx(tx *bbolt.Tx, path string) (tracker.CheckReport, error) {
	rep := tracker.CheckReport{Path: path}
	f, err := os.Open(path)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	frep := validateFile(f, fi.Size(), nil)
	f.Close()
	addFileReport(&rep, path, &frep)
	if !rep.OK() {
		return rep, nil
	}
	checkRecords(tx, path, &rep, true)
	return rep, nil
}

// checkRecords checks every record and index of a structurally sound file.
// Without full, trial records are checked by their checksum and the fields
// the indexes and aggregates need (a writer's open: a record whose
// checksum holds is one cgx wrote, and decodes).
func checkRecords(tx *bbolt.Tx, path string, rep *tracker.CheckReport, full bool) {
	v, err := readFormat(tx, path)
	if err != nil {
		rep.Addf("format record", "%v", err)
		return
	}
	rep.FormatVersion = v
	if v != FormatVersion {
		rep.Addf("format record", "version %d, this cgx writes %d", v, FormatVersion)
		return
	}
	missing := false
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			rep.Addf("bucket "+string(name), "missing")
			missing = true
		}
	}
	if missing {
		return
	}
	studies := checkStudies(tx, rep)
	checkTrials(tx, studies, rep, full)
	checkRunsStagesArtifacts(tx, studies, rep)
}

// checkJournal reports on the journal next to the file: damage, and
// commits a process that stopped left there for the next writer to replay.
func checkJournal(rep *tracker.CheckReport, dbPath string, tx *bbolt.Tx) {
	jpath := journalPath(dbPath)
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil {
			return // reported already; a journal cannot be laid over it
		}
	}
	js, err := scanJournal(jpath)
	if err != nil {
		rep.Addf("journal "+jpath, "%v", err)
		return
	}
	pend, err := js.pending(absorbedEpoch(tx), jpath)
	if err != nil {
		rep.Addf("journal "+jpath, "%v", err)
		return
	}
	loss := js.loss(absorbedEpoch(tx), ackOf(dbPath))
	if loss != "" {
		rep.Addf("journal "+jpath, "acknowledged commits are lost: %s", loss)
	}
	if len(pend) == 0 {
		return
	}
	ov := newOverlay(pend)
	for id := range ov.studies {
		if tx.Bucket(bucketStudies).Get(u64key(id)) == nil {
			rep.Addf("journal "+jpath, "names study %d, which the database does not hold (the journal belongs to another file); move the journal aside to drop its trials", id)
		}
	}
	for sid := range ov.trials {
		n := 0
		if b := tx.Bucket(bucketTrials).Bucket(u64key(sid)); b != nil {
			n = b.Stats().KeyN
		}
		if _, err := ov.apply(sid, make([]goptuna.FrozenTrial, n)); err != nil {
			rep.Addf("journal "+jpath, "%v", err)
		}
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("journal %s holds %d trial records in %d commits that are not in the file yet (its writing process stopped); the next cgx command that writes to the database replays them", jpath, js.trials(), len(pend)))
	if js.stop != "" && loss == "" {
		rep.Notes = append(rep.Notes, fmt.Sprintf("journal %s ends with a %s: a commit cut short before it was acknowledged, ignored", jpath, js.stop))
	}
}

func checkStudies(tx *bbolt.Tx, rep *tracker.CheckReport) map[int]tracker.StudyInfo {
	studies := map[int]tracker.StudyInfo{}
	_ = tx.Bucket(bucketStudies).ForEach(func(k, v []byte) error {
		id, err := keyInt(k)
		if err != nil {
			rep.Addf("study key "+keyHex(k), "%v", err)
			return nil
		}
		rec, err := decodeStudy(v)
		if err != nil {
			rep.Addf("study "+itoa(id), "%v", err)
			return nil
		}
		if rec.ID != id {
			rep.Addf("study "+itoa(id), "record says id %d", rec.ID)
		}
		if got := tx.Bucket(bucketStudyNames).Get([]byte(rec.Name)); !bytes.Equal(got, k) {
			rep.Addf("study "+itoa(id), "name %q is not indexed to it", rec.Name)
		}
		studies[id] = rec
		return nil
	})
	_ = tx.Bucket(bucketStudyNames).ForEach(func(k, v []byte) error {
		id, err := keyInt(v)
		if rec, ok := studies[id]; err != nil || !ok || rec.Name != string(k) {
			rep.Addf(fmt.Sprintf("study name %q", k), "indexes study %x, which does not carry that name", v)
		}
		return nil
	})
	rep.Studies = len(studies)
	// Ids are never handed out again: a counter below an id in use would
	// hand it out again and overwrite a record.
	seq := tx.Bucket(bucketStudies).Sequence()
	for id := range studies {
		if uint64(id) > seq {
			rep.Addf("study "+itoa(id), "id above the study id counter %d", seq)
		}
	}
	return studies
}

func checkTrials(tx *bbolt.Tx, studies map[int]tracker.StudyInfo, rep *tracker.CheckReport, full bool) {
	ids := tx.Bucket(bucketTrialIDs)
	seen := map[int]bool{}
	_ = tx.Bucket(bucketTrials).ForEach(func(k, v []byte) error {
		sid, err := keyInt(k)
		if err != nil || v != nil {
			rep.Addf("trials key "+keyHex(k), "not a study bucket")
			return nil
		}
		obj := "study " + itoa(sid)
		rec, ok := studies[sid]
		if !ok {
			rep.Addf(obj, "has trials but no study record")
		}
		trials, dense := checkTrialRecords(tx, sid, rep, full)
		for i := range trials {
			t := &trials[i]
			tobj := fmt.Sprintf("trial %d (study %d number %d)", t.ID, sid, t.Number)
			if seen[t.ID] {
				rep.Addf(tobj, "id used twice")
			}
			seen[t.ID] = true
			want := append(u64key(sid), u64key(t.Number)...)
			if got := ids.Get(u64key(t.ID)); !bytes.Equal(got, want) {
				rep.Addf(tobj, "id index says %x, want %x", got, want)
			}
			if uint64(t.ID) > ids.Sequence() {
				rep.Addf(tobj, "id above the id counter %d", ids.Sequence())
			}
			if t.State == goptuna.TrialStateRunning {
				rep.RunningTrials++
			}
		}
		rep.Trials += len(trials)
		if ok && dense {
			got := tracker.ComputeStats(rec.Direction, len(trials), func(i int) *goptuna.FrozenTrial { return &trials[i] })
			if !sameStats(got, rec.Stats) {
				rep.Addf(obj, "stored aggregates %+v do not match its trials %+v", rec.Stats, got)
			}
			if got.Running > 0 {
				rep.Notes = append(rep.Notes, fmt.Sprintf("study %d (%s) has %d RUNNING trial(s); if no cgx process is writing it, mark them failed with 'cgx study fail-stale %d'", sid, rec.Name, got.Running, sid))
			}
		}
		return nil
	})
	for id, rec := range studies {
		if rec.Stats.Trials > 0 && tx.Bucket(bucketTrials).Bucket(u64key(id)) == nil {
			rep.Addf("study "+itoa(id), "records %d trials but has none stored", rec.Stats.Trials)
		}
	}
	_ = ids.ForEach(func(k, v []byte) error {
		id, err := keyInt(k)
		if err == nil && !seen[id] {
			rep.Addf("trial "+itoa(id), "indexed (%x) but not stored", v)
		}
		return nil
	})
}

// checkTrialRecords decodes every trial of a study, reporting each that
// does not decode or sits under the wrong key; dense is false when any
// number is missing or misplaced (the aggregates are then not compared).
func checkTrialRecords(tx *bbolt.Tx, sid int, rep *tracker.CheckReport, full bool) (trials []goptuna.FrozenTrial, dense bool) {
	dense = true
	dc := distCache{}
	_ = tx.Bucket(bucketTrials).Bucket(u64key(sid)).ForEach(func(k, v []byte) error {
		num, err := keyInt(k)
		if err != nil || v == nil {
			rep.Addf(fmt.Sprintf("study %d trial key %s", sid, keyHex(k)), "not a trial number")
			dense = false
			return nil
		}
		obj := fmt.Sprintf("trial number %d of study %d", num, sid)
		var t goptuna.FrozenTrial
		if full {
			t, err = decodeTrial(v, dc)
		} else {
			t, err = decodeTrialHead(v, dc)
		}
		switch {
		case err != nil:
			rep.Addf(obj, "%v", err)
			dense = false
			return nil
		case t.Number != num || t.StudyID != sid:
			rep.Addf(obj, "record says study %d number %d", t.StudyID, t.Number)
			dense = false
			return nil
		case num != len(trials) && dense:
			rep.Addf(obj, "numbers %d..%d are missing", len(trials), num-1)
			dense = false
		}
		trials = append(trials, t)
		return nil
	})
	return trials, dense
}

func sameStats(a, b tracker.StudyStats) bool {
	fa, fb := a.BestValue, b.BestValue
	a.BestValue, b.BestValue = 0, 0
	return a == b && math.Float64bits(fa) == math.Float64bits(fb)
}

func checkRunsStagesArtifacts(tx *bbolt.Tx, studies map[int]tracker.StudyInfo, rep *tracker.CheckReport) {
	arts := map[tracker.ID]bool{}
	_ = tx.Bucket(bucketArtifacts).ForEach(func(k, v []byte) error {
		m, err := decodeArtifact(k, v)
		if err != nil {
			rep.Addf(fmt.Sprintf("artifact %x", k), "%v", err)
			return nil
		}
		if !bytes.Equal(m.ID[:], k) {
			rep.Addf(fmt.Sprintf("artifact %x", k), "metadata names id %s", m.ID)
		}
		arts[m.ID] = true
		rep.Artifacts++
		rep.ArtifactBytes += m.Size
		return nil
	})
	runs := map[int]bool{}
	_ = tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
		id, _ := keyInt(k)
		r, err := decodeRun(v)
		if err != nil {
			rep.Addf("run "+itoa(id), "%v", err)
			return nil
		}
		obj := "run " + itoa(id)
		if r.ID != id {
			rep.Addf(obj, "record says id %d", r.ID)
		}
		runs[id] = true
		for _, a := range r.Artifacts {
			if !arts[a] {
				rep.Addf(obj, "lists artifact %s, which is not stored", a)
			}
		}
		for _, sid := range r.Studies {
			if _, ok := studies[sid]; !ok {
				rep.Notes = append(rep.Notes, fmt.Sprintf("run %d lists study %d, which was deleted", id, sid))
			}
		}
		if uint64(id) > tx.Bucket(bucketRuns).Sequence() {
			rep.Addf(obj, "id above the run id counter %d", tx.Bucket(bucketRuns).Sequence())
		}
		rep.Runs++
		return nil
	})
	_ = tx.Bucket(bucketStages).ForEach(func(k, v []byte) error {
		obj := "stage " + string(k)
		st, err := decodeStage(v)
		if err != nil {
			rep.Addf(obj, "%v", err)
			return nil
		}
		if st.Key != string(k) {
			rep.Addf(obj, "record says key %q", st.Key)
		}
		if st.RunID != 0 && !runs[st.RunID] {
			rep.Addf(obj, "names run %d, which is not stored", st.RunID)
		}
		roles := sortedKeys(st.Outputs)
		for _, role := range roles {
			if a := st.Outputs[role]; !arts[a] {
				rep.Addf(obj, "output %q is artifact %s, which is not stored", role, a)
			}
		}
		rep.Stages++
		return nil
	})
}

// checkObjects re-hashes the object file of every artifact and notes files
// under the objects folder that no artifact names.
func checkObjects(ctx context.Context, objects string, metas []tracker.ArtifactMeta, rep *tracker.CheckReport) error {
	known := make(map[string]bool, len(metas))
	for _, m := range metas {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := objectPath(objects, m.ID)
		known[path] = true
		obj := "artifact " + m.ID.String()
		got, n, err := hashFile(path)
		switch {
		case err != nil && os.IsNotExist(err):
			rep.Addf(obj, "file %s is missing; restore it from a backup or rerun the stage that made it", path)
		case err != nil:
			rep.Addf(obj, "read %s: %v", path, err)
		case got != m.ID:
			rep.Addf(obj, "file %s is damaged (%d bytes hashing to %s); restore it or rerun the stage that made it", path, n, got)
		case n != m.Size:
			rep.Addf(obj, "file %s has %d bytes, metadata says %d", path, n, m.Size)
		}
	}
	var extra []string
	err := filepath.WalkDir(objects, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == objects {
				return filepath.SkipDir
			}
			return err
		}
		if !d.IsDir() && !known[p] {
			extra = append(extra, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check objects in %s: %w", objects, err)
	}
	sort.Strings(extra)
	for _, p := range extra {
		what := "is not referenced by this database (left by an interrupted write, or used by another database in the same folder)"
		if strings.Contains(filepath.Base(p), ".tmp-") {
			what = "is a temporary file left by an interrupted write; it can be deleted once no cgx process is writing"
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("file %s %s", p, what))
	}
	return nil
}
