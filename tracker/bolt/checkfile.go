package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// addFileReport copies what validateFile found into rep: its problems, a
// lost commit (commit record ahead of the file) and a meta page fallback.
func addFileReport(rep *tracker.CheckReport, path string, frep *fileReport) {
	rep.Problems = append(rep.Problems, frep.problems...)
	if frep.dropped > 0 {
		rep.Addf("file", "%d more problem(s) of the same kind not listed", frep.dropped)
	}
	if !frep.ok() {
		return
	}
	if msg := rollbackProblem(path, frep); msg != "" {
		rep.Addf("commits", "%s", msg)
	} else if frep.fallback != "" {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s; no commit was lost (a commit cut short by a crash, or damage to the unused copy); the next commit rewrites it", frep.fallback))
	}
	if _, ok, damaged := readCommitRecord(path); !ok && damaged != "" {
		rep.Notes = append(rep.Notes, damaged+"; the next commit rewrites it")
	}
}

// CheckFile checks the database at path like Store.Check, and also a file
// that Open refuses as damaged: the report then lists what the structural
// validation, the commit record and the journal found. Either way a report
// with problems says how to recover in Recover. The error is for failures
// to check at all (a missing file, a locked one).
func CheckFile(ctx context.Context, path string) (tracker.CheckReport, error) {
	s, err := Open(path, ReadOnly())
	if err == nil {
		defer s.Close()
		rep, err := s.Check(ctx)
		if err != nil {
			return rep, err
		}
		addRecovery(&rep, nil)
		return rep, nil
	}
	if !errors.Is(err, tracker.ErrCorruptDB) {
		return tracker.CheckReport{}, err
	}
	abs, aerr := filepath.Abs(path)
	if aerr != nil {
		return tracker.CheckReport{}, err
	}
	return checkDamaged(ctx, abs, err)
}

// checkDamaged reports on a file that Open refused with openErr. A file
// whose structure is sound (the refusal was about lost commits, records or
// the journal) is checked in full through a read-only bbolt handle; any
// other is read only through the safe page walker.
func checkDamaged(ctx context.Context, path string, openErr error) (tracker.CheckReport, error) {
	rep := tracker.CheckReport{Path: path}
	f, err := openLocked(path)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	set := newSalvageSet()
	frep := validateFile(f, fi.Size(), set.visit)
	if frep.ok() && fi.Size() > 0 {
		// Sound structure: bbolt may read it (the guard checks again).
		tmp := &Store{path: path, objects: filepath.Join(filepath.Dir(path), "objects"), opts: defaultOptions()}
		tmp.opts.acceptLoss = true // report lost commits, do not refuse them
		db, err := openBolt(path, &bbolt.Options{ReadOnly: true, Timeout: time.Nanosecond, OpenFile: tmp.guard(false, 0)})
		if err != nil {
			return rep, err
		}
		var metas []tracker.ArtifactMeta
		err = (&Store{path: path, db: db}).view(func(tx *bbolt.Tx) error {
			var err error
			if rep, err = checkTx(tx, path); err != nil {
				return err
			}
			checkJournal(&rep, path, tx)
			if tx.Bucket(bucketArtifacts) != nil {
				metas, _ = listArtifactsTx(tx, "")
			}
			return nil
		})
		db.Close()
		if err != nil {
			return rep, err
		}
		if err := checkObjects(ctx, tmp.objects, metas, &rep); err != nil {
			return rep, err
		}
		set = nil
	} else {
		addFileReport(&rep, path, &frep)
		set.finish(path, &rep)
	}
	if rep.OK() {
		// Nothing found, yet Open refused: say why.
		rep.Addf("file", "%v", openErr)
	}
	addRecovery(&rep, set)
	return rep, nil
}

// addRecovery fills rep.Recover from its problems.
func addRecovery(rep *tracker.CheckReport, set *salvageSet) {
	if rep.OK() {
		return
	}
	onlyObjects := true
	lost, journal := false, false
	for _, p := range rep.Problems {
		switch {
		case strings.HasPrefix(p.Object, "artifact "):
			continue
		case p.Object == "commits":
			lost = true
		case strings.HasPrefix(p.Object, "journal "):
			journal = true
		}
		onlyObjects = false
	}
	if onlyObjects {
		rep.Recover = append(rep.Recover, "restore the damaged or missing object files from a backup, or rerun the runs that made them")
		return
	}
	rep.Recover = append(rep.Recover, fmt.Sprintf("restore %s from a backup (with the %s and %s files next to it, if the backup has them)", rep.Path, filepath.Base(commitPath(rep.Path)), filepath.Base(journalPath(rep.Path))))
	if lost || journal {
		rep.Recover = append(rep.Recover, "or accept the loss with 'cgx check --accept-loss': the database continues from what is intact (a damaged journal is kept aside, renamed)")
	}
	what := "every record that still decodes"
	if set != nil {
		what = set.summary()
	}
	rep.Recover = append(rep.Recover, fmt.Sprintf("or copy %s into a new database with 'cgx check --salvage NEW.db', check it, and use it with --db NEW.db", what))
}
