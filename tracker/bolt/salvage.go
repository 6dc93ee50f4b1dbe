package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SalvageAttr is the system attribute of the FAIL placeholder trials Salvage
// puts where a study's trial numbers have a gap (a trial lost to damage).
const SalvageAttr = "cgx:salvage"

// salvageSet collects, through the safe page walker, every record of a
// (possibly damaged) file that still decodes.
type salvageSet struct {
	studies map[int]tracker.StudyInfo
	trials  map[int]map[int]goptuna.FrozenTrial // study id -> number -> trial
	runs    map[int]tracker.Run
	stages  map[string]tracker.Stage
	arts    map[tracker.ID]tracker.ArtifactMeta
	seq     map[string]uint64 // top-level bucket sequences
	format  int               // the format record's version, 0 if unread
	bad     []tracker.Problem // records that do not decode
	dc      distCache
}

func newSalvageSet() *salvageSet {
	return &salvageSet{studies: map[int]tracker.StudyInfo{}, trials: map[int]map[int]goptuna.FrozenTrial{},
		runs: map[int]tracker.Run{}, stages: map[string]tracker.Stage{}, arts: map[tracker.ID]tracker.ArtifactMeta{}, seq: map[string]uint64{}, dc: distCache{}}
}

func (s *salvageSet) badf(object, format string, a ...any) {
	s.bad = append(s.bad, tracker.Problem{Object: object, Problem: fmt.Sprintf(format, a...)})
}

// visit is the pageWalker callback.
func (s *salvageSet) visit(path [][]byte, k, v []byte, bucket bool) {
	switch {
	case len(path) == 0:
		if bucket {
			s.seq[string(k)] = binary.NativeEndian.Uint64(v[8:16])
		}
	case bucket:
		// Nested buckets: only trials/<study> exist.
	case len(path) == 1:
		s.visitTop(string(path[0]), k, v)
	case len(path) == 2 && bytes.Equal(path[0], bucketTrials):
		sid, err1 := keyInt(path[1])
		num, err2 := keyInt(k)
		if err1 != nil || err2 != nil {
			s.badf("trials key "+keyHex(path[1])+"/"+keyHex(k), "not a study and trial number")
			return
		}
		obj := fmt.Sprintf("trial number %d of study %d", num, sid)
		t, err := decodeTrial(v, s.dc)
		switch {
		case err != nil:
			s.badf(obj, "%v", err)
		case t.StudyID != sid || t.Number != num:
			s.badf(obj, "record says study %d number %d", t.StudyID, t.Number)
		default:
			if s.trials[sid] == nil {
				s.trials[sid] = map[int]goptuna.FrozenTrial{}
			}
			s.trials[sid][num] = t
		}
	}
}

func (s *salvageSet) visitTop(bucket string, k, v []byte) {
	switch bucket {
	case string(bucketMeta):
		var f formatRecord
		if bytes.Equal(k, keyFormat) && json.Unmarshal(v, &f) == nil && f.Magic == formatMagic {
			s.format = f.Version
		}
	case string(bucketStudies):
		id, err := keyInt(k)
		st, derr := decodeStudy(v)
		switch {
		case err != nil:
			s.badf("study key "+keyHex(k), "%v", err)
		case derr != nil:
			s.badf("study "+itoa(id), "%v", derr)
		case st.ID != id:
			s.badf("study "+itoa(id), "record says id %d", st.ID)
		default:
			s.studies[id] = st
		}
	case string(bucketRuns):
		id, err := keyInt(k)
		r, derr := decodeRun(v)
		switch {
		case err != nil:
			s.badf("run key "+keyHex(k), "%v", err)
		case derr != nil:
			s.badf("run "+itoa(id), "%v", derr)
		case r.ID != id:
			s.badf("run "+itoa(id), "record says id %d", r.ID)
		default:
			s.runs[id] = r
		}
	case string(bucketStages):
		st, err := decodeStage(v)
		switch {
		case err != nil:
			s.badf("stage "+string(k), "%v", err)
		case st.Key != string(k):
			s.badf("stage "+string(k), "record says key %q", st.Key)
		default:
			s.stages[st.Key] = st
		}
	case string(bucketArtifacts):
		m, err := decodeArtifact(k, v)
		switch {
		case err != nil:
			s.badf(fmt.Sprintf("artifact %x", k), "%v", err)
		case !bytes.Equal(m.ID[:], k):
			s.badf(fmt.Sprintf("artifact %x", k), "metadata names id %s", m.ID)
		default:
			s.arts[m.ID] = m
		}
	}
}

// addJournal lays the journal's intact records over the file's, as a
// reader would.
func (s *salvageSet) addJournal(dbPath string, absorbed uint64) {
	js, err := scanJournal(journalPath(dbPath))
	if err != nil || js.epoch <= absorbed {
		return
	}
	for _, e := range js.entries {
		for _, st := range e.studies {
			if _, ok := s.studies[st.ID]; ok {
				s.studies[st.ID] = st
			}
		}
		for _, t := range e.trials {
			if s.trials[t.StudyID] == nil {
				s.trials[t.StudyID] = map[int]goptuna.FrozenTrial{}
			}
			s.trials[t.StudyID][t.Number] = t
		}
	}
}

// finish adds the records that do not decode to rep, and counts what does.
func (s *salvageSet) finish(path string, rep *tracker.CheckReport) {
	for i, p := range s.bad {
		if i == maxProblems {
			rep.Addf("records", "%d more record(s) do not decode", len(s.bad)-i)
			break
		}
		rep.Problems = append(rep.Problems, p)
	}
	rep.FormatVersion = s.format
	rep.Studies, rep.Runs, rep.Stages, rep.Artifacts = len(s.studies), len(s.runs), len(s.stages), len(s.arts)
	rep.Trials = 0
	for _, ts := range s.trials {
		rep.Trials += len(ts)
	}
}

func (s *salvageSet) summary() string {
	n := 0
	for _, ts := range s.trials {
		n += len(ts)
	}
	return fmt.Sprintf("the %d studies, %d trials, %d runs, %d stages and %d artifacts that still decode",
		len(s.studies), n, len(s.runs), len(s.stages), len(s.arts))
}

// SalvageReport says what Salvage copied and what it could not.
type SalvageReport struct {
	From, To     string
	Studies      int
	Trials       int
	Placeholders int // FAIL trials standing in for lost ones (SalvageAttr)
	Runs         int
	Stages       int
	Artifacts    int
	Objects      int               // object files copied or linked next to To
	Lost         []tracker.Problem // what was damaged and not copied
}

// Salvage copies every record of the database at from that still decodes
// (reading it only through the safe page walker, so any damage will do),
// with the intact records of its journal, into a new database at to, which
// must not exist. Study aggregates and indexes are rebuilt; a gap in a
// study's trial numbers gets a FAIL placeholder trial (system attribute
// SalvageAttr) so numbering stays dense; artifact bytes are linked or copied
// into the objects folder next to to when they still hash to their id.
// from is never written.
func Salvage(ctx context.Context, from, to string) (SalvageReport, error) {
	rep := SalvageReport{From: from, To: to}
	if _, err := os.Lstat(to); err == nil {
		return rep, fmt.Errorf("salvage into %s: it exists; choose a new file", to)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("salvage into %s: %w", to, err)
	}
	f, err := openLocked(from)
	if err != nil {
		return rep, fmt.Errorf("salvage %s: %w", from, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return rep, fmt.Errorf("salvage %s: %w", from, err)
	}
	set := newSalvageSet()
	var absorbed uint64
	frep := validateFile(f, fi.Size(), func(path [][]byte, k, v []byte, bucket bool) {
		if len(path) == 1 && bytes.Equal(path[0], bucketMeta) && bytes.Equal(k, keyJournal) && len(v) == 8 {
			absorbed = binary.BigEndian.Uint64(v)
		}
		set.visit(path, k, v, bucket)
	})
	set.addJournal(from, absorbed)
	rep.Lost = append(append(rep.Lost, frep.problems...), set.bad...)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	// Written without a sync per commit; the finished file is synced once.
	dst, err := Open(to, NoServe(), NoSync())
	if err != nil {
		return rep, err
	}
	err = dst.update(func(tx *bbolt.Tx) error { return set.write(tx, &rep) })
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(dst.path)
	}
	if err == nil {
		err = syncFile(commitPath(dst.path))
	}
	if err == nil {
		err = syncDir(filepath.Dir(dst.path))
	}
	if err != nil {
		return rep, fmt.Errorf("salvage into %s: %w", to, err)
	}
	srcObjects := filepath.Join(filepath.Dir(from), "objects")
	for id := range set.arts {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		ok, err := copyObject(srcObjects, dst.objects, id)
		if err != nil {
			return rep, err
		}
		if ok {
			rep.Objects++
		} else {
			rep.Lost = append(rep.Lost, tracker.Problem{Object: "artifact " + id.String(), Problem: "its object file is missing or damaged; the metadata was copied"})
		}
	}
	return rep, nil
}

// write puts the salvaged records into a fresh file's buckets.
func (s *salvageSet) write(tx *bbolt.Tx, rep *SalvageReport) error {
	studies, names, trialsB, ids := tx.Bucket(bucketStudies), tx.Bucket(bucketStudyNames), tx.Bucket(bucketTrials), tx.Bucket(bucketTrialIDs)
	maxTrialID := 0
	usedID := map[int]bool{}
	for _, ts := range s.trials {
		for _, t := range ts {
			maxTrialID = max(maxTrialID, t.ID)
		}
	}
	for _, sid := range sortedIntKeys(s.studies) {
		st := s.studies[sid]
		if names.Get([]byte(st.Name)) != nil {
			st.Name = fmt.Sprintf("%s (salvaged study %d)", st.Name, sid)
		}
		byNum := s.trials[sid]
		n := 0
		for num, t := range byNum {
			if num >= len(byNum)+1<<16 { // a number no gap-filling should reach
				rep.Lost = append(rep.Lost, tracker.Problem{Object: fmt.Sprintf("trial %d of study %d", t.ID, sid), Problem: fmt.Sprintf("number %d is far past the study's %d trials; not copied", num, len(byNum))})
				continue
			}
			n = max(n, num+1)
		}
		list := make([]goptuna.FrozenTrial, n)
		for num := 0; num < n; num++ {
			t, ok := byNum[num]
			if !ok || usedID[t.ID] {
				if ok { // an id used twice: keep the trial under a new id
					maxTrialID++
					t.ID = maxTrialID
				} else {
					maxTrialID++
					t = goptuna.FrozenTrial{ID: maxTrialID, StudyID: sid, Number: num, State: goptuna.TrialStateFail,
						SystemAttrs: map[string]string{SalvageAttr: "placeholder for a trial lost to damage"}}
					rep.Placeholders++
				}
			}
			usedID[t.ID] = true
			list[num] = t
			if err := putTrialTx(trialsB, ids, &list[num], true); err != nil {
				return err
			}
		}
		st.Stats = tracker.ComputeStats(st.Direction, len(list), func(i int) *goptuna.FrozenTrial { return &list[i] })
		if err := studies.Put(u64key(sid), encodeStudy(&st)); err != nil {
			return err
		}
		if err := names.Put([]byte(st.Name), u64key(sid)); err != nil {
			return err
		}
		rep.Studies++
		rep.Trials += len(list)
	}
	rep.Trials -= rep.Placeholders
	maxStudy, maxRun := 0, 0
	for id := range s.studies {
		maxStudy = max(maxStudy, id)
	}
	// References to records that were lost are dropped (and said), so the
	// new database checks clean.
	for _, id := range sortedIntKeys(s.runs) {
		r := s.runs[id]
		kept := r.Artifacts[:0:0]
		for _, a := range r.Artifacts {
			if _, ok := s.arts[a]; ok {
				kept = append(kept, a)
			} else {
				rep.Lost = append(rep.Lost, tracker.Problem{Object: "run " + itoa(id), Problem: "listed artifact " + a.String() + ", whose metadata was lost; the reference was dropped"})
			}
		}
		r.Artifacts = kept
		s.runs[id] = r
	}
	for key, st := range s.stages {
		for role, a := range st.Outputs {
			if _, ok := s.arts[a]; !ok {
				delete(st.Outputs, role)
				rep.Lost = append(rep.Lost, tracker.Problem{Object: "stage " + key, Problem: fmt.Sprintf("output %q was artifact %s, whose metadata was lost; the output was dropped", role, a)})
			}
		}
		if _, ok := s.runs[st.RunID]; st.RunID != 0 && !ok {
			rep.Lost = append(rep.Lost, tracker.Problem{Object: "stage " + key, Problem: fmt.Sprintf("named run %d, which was lost; it now names none", st.RunID)})
			st.RunID = 0
		}
		s.stages[key] = st
	}
	for _, id := range sortedIntKeys(s.runs) {
		raw, err := encodeRun(s.runs[id])
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRuns).Put(u64key(id), raw); err != nil {
			return err
		}
		maxRun = max(maxRun, id)
		rep.Runs++
	}
	for _, st := range s.stages {
		raw, err := encodeStage(st)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketStages).Put([]byte(st.Key), raw); err != nil {
			return err
		}
		rep.Stages++
	}
	for id, m := range s.arts {
		raw, err := encodeArtifact(m)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketArtifacts).Put(id[:], raw); err != nil {
			return err
		}
		rep.Artifacts++
	}
	// Ids are never handed out again: keep the counters at least as high
	// as they were.
	for _, c := range []struct {
		b   []byte
		min int
	}{{bucketStudies, maxStudy}, {bucketTrialIDs, maxTrialID}, {bucketRuns, maxRun}} {
		if err := tx.Bucket(c.b).SetSequence(max(uint64(c.min), s.seq[string(c.b)])); err != nil {
			return err
		}
	}
	return nil
}

func sortedIntKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// copyObject links (or copies) the object file of id from one objects
// folder to another, if it still hashes to id; it reports whether the
// object is in place.
func copyObject(from, to string, id tracker.ID) (bool, error) {
	src, dst := objectPath(from, id), objectPath(to, id)
	if got, _, err := hashFile(src); err != nil || got != id {
		return false, nil
	}
	if from == to {
		return true, nil
	}
	if got, _, err := hashFile(dst); err == nil && got == id {
		return true, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, fmt.Errorf("copy object %s: %w", id, err)
	}
	if err := os.Link(src, dst); err == nil {
		return true, nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return false, fmt.Errorf("copy object %s: %w", id, err)
	}
	if err := writeFileAtomic(dst, data, 0o444); err != nil {
		return false, fmt.Errorf("copy object %s: %w", id, err)
	}
	return true, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// openLocked opens a database file for reading under a shared lock, so that
// no writer changes it while it is read page by page.
func openLocked(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f, false, 0); err != nil {
		f.Close()
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, tracker.Tagf(tracker.ErrLocked, "database %s is open for writing by another process; wait for it to finish", path)
		}
		return nil, err
	}
	return f, nil
}
