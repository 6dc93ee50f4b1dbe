package bolt

import (
	"fmt"
	"os"
	"sort"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// snapshot keeps what a ReadOnly store decoded from the file while the
// file's last transaction id (and identity) stays the same.
type snapshot struct {
	txid    int
	fi      os.FileInfo
	studies []tracker.StudyInfo // nil until listed
	trials  map[int][]goptuna.FrozenTrial
	ov      *overlay // journaled commits the file does not hold yet, nil if none
}

// overlay is the effect of journal records on top of the file: the latest
// study records and trials they carry.
type overlay struct {
	studies map[int]tracker.StudyInfo
	trials  map[int]map[int]goptuna.FrozenTrial // study id -> number -> trial
	ids     map[int][2]int                      // trial id -> study id, number
}

func newOverlay(entries []journalEntry) *overlay {
	if len(entries) == 0 {
		return nil
	}
	ov := &overlay{studies: map[int]tracker.StudyInfo{}, trials: map[int]map[int]goptuna.FrozenTrial{}, ids: map[int][2]int{}}
	for _, e := range entries {
		for _, st := range e.studies {
			ov.studies[st.ID] = st
		}
		for _, t := range e.trials {
			if ov.trials[t.StudyID] == nil {
				ov.trials[t.StudyID] = map[int]goptuna.FrozenTrial{}
			}
			ov.trials[t.StudyID][t.Number] = t
			ov.ids[t.ID] = [2]int{t.StudyID, t.Number}
		}
	}
	return ov
}

// apply lays a study's journaled trials over those read from the file.
func (ov *overlay) apply(studyID int, ts []goptuna.FrozenTrial) ([]goptuna.FrozenTrial, error) {
	if ov == nil {
		return ts, nil
	}
	byNum := ov.trials[studyID]
	nums := make([]int, 0, len(byNum))
	for n := range byNum {
		nums = append(nums, n)
	}
	sortInts(nums)
	for _, n := range nums {
		switch {
		case n < len(ts):
			ts[n] = byNum[n]
		case n == len(ts):
			ts = append(ts, byNum[n])
		default:
			return nil, fmt.Errorf("its journal holds trial number %d of study %d but the study has %d trials (the journal belongs to another state of the file); move the .journal file next to it aside to drop its trials: %w", n, studyID, len(ts), tracker.ErrCorruptDB)
		}
	}
	return ts, nil
}

// snapshotSource reads the file inside one read transaction.
type snapshotSource struct {
	tx   *bbolt.Tx
	snap *snapshot
	path string
}

func (f snapshotSource) studyList() ([]tracker.StudyInfo, error) {
	if f.snap.studies == nil {
		var list []tracker.StudyInfo
		var bad badRecords
		err := f.tx.Bucket(bucketStudies).ForEach(func(k, v []byte) error {
			rec, err := decodeStudy(v)
			if err != nil {
				bad.add(fmt.Sprintf("study key %x", k), err)
				return nil
			}
			list = append(list, rec)
			return nil
		})
		if err == nil {
			err = bad.err()
		}
		if err != nil {
			// List what decodes, and say what does not (not kept, so
			// every listing says it).
			sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
			return list, fmt.Errorf("database %s: %w", f.path, err)
		}
		if f.snap.ov != nil {
			for i := range list {
				if st, ok := f.snap.ov.studies[list[i].ID]; ok {
					list[i] = st
				}
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		f.snap.studies = append(list, []tracker.StudyInfo{}...)
	}
	out := make([]tracker.StudyInfo, len(f.snap.studies))
	for i, r := range f.snap.studies {
		out[i] = copyStudy(r)
	}
	return out, nil
}

func (f snapshotSource) studyByID(id int) (tracker.StudyInfo, error) {
	raw := f.tx.Bucket(bucketStudies).Get(u64key(id))
	if raw == nil {
		return tracker.StudyInfo{}, tracker.StudyNotFound(id)
	}
	if f.snap.ov != nil {
		if st, ok := f.snap.ov.studies[id]; ok {
			return copyStudy(st), nil
		}
	}
	rec, err := decodeStudy(raw)
	if err != nil {
		return tracker.StudyInfo{}, fmt.Errorf("database %s: study %d: %w", f.path, id, err)
	}
	return rec, nil
}

func (f snapshotSource) studyIDByName(name string) (int, error) {
	v := f.tx.Bucket(bucketStudyNames).Get([]byte(name))
	if v == nil {
		return 0, tracker.NotFound(fmt.Sprintf("study %q", name))
	}
	return keyInt(v)
}

func (f snapshotSource) trialsOf(studyID int) ([]goptuna.FrozenTrial, error) {
	ts, ok := f.snap.trials[studyID]
	if !ok {
		rec, err := f.studyByID(studyID)
		if err != nil {
			return nil, err
		}
		ts, err = loadTrials(f.tx, studyID, rec.Stats.Trials)
		if err == nil {
			ts, err = f.snap.ov.apply(studyID, ts)
		}
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", f.path, err)
		}
		f.snap.trials[studyID] = ts
	}
	out := make([]goptuna.FrozenTrial, len(ts))
	for i := range ts {
		out[i] = tracker.CloneTrial(&ts[i])
	}
	return out, nil
}

func (f snapshotSource) trialByID(id int) (goptuna.FrozenTrial, error) {
	if f.snap.ov != nil {
		if at, ok := f.snap.ov.ids[id]; ok {
			t := f.snap.ov.trials[at[0]][at[1]]
			return tracker.CloneTrial(&t), nil
		}
	}
	v := f.tx.Bucket(bucketTrialIDs).Get(u64key(id))
	if len(v) != 16 {
		return goptuna.FrozenTrial{}, tracker.TrialNotFound(id)
	}
	sid, _ := keyInt(v[:8])
	num, _ := keyInt(v[8:])
	if ts, ok := f.snap.trials[sid]; ok && num < len(ts) {
		return tracker.CloneTrial(&ts[num]), nil
	}
	var raw []byte
	if b := f.tx.Bucket(bucketTrials).Bucket(v[:8]); b != nil {
		raw = b.Get(v[8:])
	}
	if raw == nil {
		return goptuna.FrozenTrial{}, fmt.Errorf("database %s: trial %d is indexed but not stored: %w", f.path, id, tracker.ErrCorruptDB)
	}
	t, err := decodeTrial(raw, distCache{})
	if err != nil {
		return goptuna.FrozenTrial{}, fmt.Errorf("database %s: trial %d: %w", f.path, id, err)
	}
	return t, nil
}

func (f snapshotSource) runList() ([]tracker.Run, error)              { return listRunsTx(f.tx) }
func (f snapshotSource) runByID(id int) (tracker.Run, error)          { return getRunTx(f.tx, id) }
func (f snapshotSource) stageByKey(key string) (tracker.Stage, error) { return getStageTx(f.tx, key) }
func (f snapshotSource) stageList(runID int) ([]tracker.Stage, error) {
	return listStagesTx(f.tx, runID)
}
func (f snapshotSource) artifactMeta(id tracker.ID) (tracker.ArtifactMeta, error) {
	return getArtifactTx(f.tx, id)
}
func (f snapshotSource) artifactList(k string) ([]tracker.ArtifactMeta, error) {
	return listArtifactsTx(f.tx, k)
}
func (f snapshotSource) checkDB() (tracker.CheckReport, error) {
	rep, err := checkTx(f.tx, f.path)
	if err == nil {
		checkJournal(&rep, f.path, f.tx)
	}
	return rep, err
}

// remoteSource reads through the writing process's socket.
type remoteSource struct{ r *reader }

func (rs remoteSource) call(req request) (response, error) {
	c := rs.r.conn
	if err := c.send(req); err != nil {
		return response{}, &connError{err}
	}
	var resp response
	if err := c.dec.Decode(&resp); err != nil {
		return response{}, &connError{err}
	}
	if resp.Err != nil {
		return resp, &remoteError{resp.Err}
	}
	return resp, nil
}

func (rs remoteSource) studyList() ([]tracker.StudyInfo, error) {
	resp, err := rs.call(request{Op: "studies"})
	return resp.Studies, err
}

func (rs remoteSource) studyByID(id int) (tracker.StudyInfo, error) {
	resp, err := rs.call(request{Op: "study", ID: id})
	return resp.Study, err
}

func (rs remoteSource) studyIDByName(name string) (int, error) {
	resp, err := rs.call(request{Op: "study-by-name", Name: name})
	return resp.Int, err
}

func (rs remoteSource) decodeTrials(raws [][]byte) ([]goptuna.FrozenTrial, error) {
	dc := distCache{}
	out := make([]goptuna.FrozenTrial, len(raws))
	for i, raw := range raws {
		t, err := decodeTrial(raw, dc)
		if err != nil {
			return nil, &connError{err}
		}
		out[i] = t
	}
	// Interned distributions are shared between trials: make them private.
	for i := range out {
		for k, d := range out[i].Distributions {
			out[i].Distributions[k] = tracker.CopyDistribution(d)
		}
	}
	return out, nil
}

func (rs remoteSource) trialsOf(studyID int) ([]goptuna.FrozenTrial, error) {
	resp, err := rs.call(request{Op: "trials", ID: studyID})
	if err != nil {
		return nil, err
	}
	return rs.decodeTrials(resp.Trials)
}

func (rs remoteSource) trialByID(id int) (goptuna.FrozenTrial, error) {
	resp, err := rs.call(request{Op: "trial", ID: id})
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	ts, err := rs.decodeTrials(resp.Trials)
	if err != nil {
		return goptuna.FrozenTrial{}, err // a connError already
	}
	if len(ts) != 1 {
		return goptuna.FrozenTrial{}, &connError{fmt.Errorf("bad trial reply: %d trials, want 1", len(ts))}
	}
	return ts[0], nil
}

func (rs remoteSource) runList() ([]tracker.Run, error) {
	resp, err := rs.call(request{Op: "runs"})
	return resp.Runs, err
}

func (rs remoteSource) runByID(id int) (tracker.Run, error) {
	resp, err := rs.call(request{Op: "run", ID: id})
	return resp.Run, err
}

func (rs remoteSource) stageByKey(key string) (tracker.Stage, error) {
	resp, err := rs.call(request{Op: "stage", Name: key})
	return resp.Stage, err
}

func (rs remoteSource) stageList(runID int) ([]tracker.Stage, error) {
	resp, err := rs.call(request{Op: "stages", ID: runID})
	return resp.Stages, err
}

func (rs remoteSource) artifactMeta(id tracker.ID) (tracker.ArtifactMeta, error) {
	resp, err := rs.call(request{Op: "artifact", Art: id})
	return resp.Meta, err
}

func (rs remoteSource) artifactList(kind string) ([]tracker.ArtifactMeta, error) {
	resp, err := rs.call(request{Op: "artifacts", Kind: kind})
	return resp.Metas, err
}

func (rs remoteSource) checkDB() (tracker.CheckReport, error) {
	resp, err := rs.call(request{Op: "check"})
	return resp.Report, err
}
