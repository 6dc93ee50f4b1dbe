package dbcopy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// placeholderName starts the name of every placeholder study.
const placeholderName = "cgx-db-copy-placeholder"

// maxBatch bounds the trials added in one commit.
const maxBatch = 1000

// copyStudies creates every study, in id order, with its direction and
// attributes, keeping its id where the destination allows.
func (c *copier) copyStudies(ctx context.Context) error {
	studies, err := c.from.Studies()
	if err != nil {
		return fmt.Errorf("list studies: %w", err)
	}
	sort.Slice(studies, func(i, j int) bool { return studies[i].ID < studies[j].ID })
	for i, s := range studies {
		if err := ctx.Err(); err != nil {
			return err
		}
		id, err := c.createStudyAt(s.Name, s.ID)
		if err != nil {
			return fmt.Errorf("study %d (%s): %w", s.ID, s.Name, err)
		}
		c.studyIDs[s.ID] = id
		if id != s.ID {
			c.rep.StudyIDs[s.ID] = id
		}
		if err := c.to.SetStudyDirection(id, s.Direction); err != nil {
			return fmt.Errorf("study %d (%s): %w", s.ID, s.Name, err)
		}
		for _, k := range sortedKeys(s.UserAttrs) {
			if err := c.to.SetStudyUserAttr(id, k, s.UserAttrs[k]); err != nil {
				return fmt.Errorf("study %d (%s): %w", s.ID, s.Name, err)
			}
		}
		for _, k := range sortedKeys(s.SystemAttrs) {
			if err := c.to.SetStudySystemAttr(id, k, s.SystemAttrs[k]); err != nil {
				return fmt.Errorf("study %d (%s): %w", s.ID, s.Name, err)
			}
		}
		c.rep.Studies++
		c.progress(Progress{Part: "studies", Done: i + 1, Total: len(studies)})
	}
	return nil
}

// createStudyAt creates study name and returns its id: want when the
// destination allows. An id below want is a gap in the source (deleted
// studies): the study is deleted and created again, which uses that id up.
// It stops at the first id not below want, or when the destination hands
// out an id it handed out before.
func (c *copier) createStudyAt(name string, want int) (int, error) {
	prev := 0
	for {
		id, err := c.to.CreateNewStudy(name)
		if err != nil {
			return 0, err
		}
		if id >= want || id <= prev {
			return id, nil
		}
		if err := c.to.DeleteStudy(id); err != nil {
			return 0, fmt.Errorf("delete the study made to use up id %d: %w", id, err)
		}
		c.rep.Placeholders++
		prev = id
	}
}

// srcTrial is a source trial and the destination study it goes to.
type srcTrial struct {
	t     goptuna.FrozenTrial
	study int
}

// slot places one source trial: its study (index into the study list), its
// number and id, and whether it is finished.
type slot struct {
	study, number, id int
	finished          bool
}

// copyTrials adds every trial in the order of its id, so that ids are kept
// where the destination allows, while each study's trials go in number
// order (their numbers are handed out again in that order). A first pass
// reads only where each trial goes; the second holds a study's trials in
// memory only while trials of it are still to be added, so memory follows
// the studies that were written at the same time, not the whole database.
func (c *copier) copyTrials(ctx context.Context) error {
	studies, err := c.from.Studies()
	if err != nil {
		return fmt.Errorf("list studies: %w", err)
	}
	var order []slot
	counts := make([]int, len(studies))
	inIDOrder := true
	for si, s := range studies {
		ts, err := c.readTrials(s)
		if err != nil {
			return err
		}
		for i, t := range ts {
			if i > 0 && t.ID < ts[i-1].ID {
				inIDOrder = false
			}
			order = append(order, slot{study: si, number: i, id: t.ID, finished: t.State.IsFinished()})
		}
		counts[si] = len(ts)
	}
	remaining := append([]int(nil), counts...)
	if inIDOrder {
		// Each study's trials then stay in number order.
		sort.SliceStable(order, func(i, j int) bool { return order[i].id < order[j].id })
	}
	loaded := map[int][]goptuna.FrozenTrial{}
	a := &trialAdder{c: c}
	for i := 0; i < len(order); {
		if err := ctx.Err(); err != nil {
			return err
		}
		j := i + 1
		if order[i].finished {
			for j < len(order) && j-i < maxBatch && order[j].study == order[i].study && order[j].finished && order[j].id == order[j-1].id+1 {
				j++
			}
		}
		si := order[i].study
		ts, ok := loaded[si]
		if !ok {
			if ts, err = c.readTrials(studies[si]); err != nil {
				return err
			}
			loaded[si] = ts
		}
		batch := make([]srcTrial, 0, j-i)
		for _, sl := range order[i:j] {
			if sl.number >= len(ts) || ts[sl.number].ID != sl.id {
				return fmt.Errorf("study %d (%s) changed while it was copied: %w; stop what writes the source and copy again", studies[si].ID, studies[si].Name, ErrMismatch)
			}
			batch = append(batch, srcTrial{t: ts[sl.number], study: c.studyIDs[studies[si].ID]})
		}
		if err := a.add(batch); err != nil {
			return err
		}
		if remaining[si] -= j - i; remaining[si] == 0 {
			delete(loaded, si)
		}
		c.rep.Trials += j - i
		c.progress(Progress{Part: "trials", Done: j, Total: len(order)})
		i = j
	}
	if err := a.done(); err != nil {
		return err
	}
	for si, s := range studies {
		got, err := c.to.GetAllTrials(c.studyIDs[s.ID])
		if err != nil {
			return fmt.Errorf("read back study %d: %w", c.studyIDs[s.ID], err)
		}
		if len(got) != counts[si] {
			return fmt.Errorf("study %d (%s) has %d trials after the copy, the source %d: %w", c.studyIDs[s.ID], s.Name, len(got), counts[si], ErrMismatch)
		}
	}
	return nil
}

// readTrials reads a source study's trials in number order and checks
// that the numbers are dense.
func (c *copier) readTrials(s tracker.StudyInfo) ([]goptuna.FrozenTrial, error) {
	ts, err := c.from.GetAllTrials(s.ID)
	if err != nil {
		return nil, fmt.Errorf("read the trials of study %d (%s): %w", s.ID, s.Name, err)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Number < ts[j].Number })
	for i, t := range ts {
		if t.Number != i {
			return nil, fmt.Errorf("study %d (%s) has no trial number %d: %w; run 'cgx check' on the source", s.ID, s.Name, i, ErrMismatch)
		}
	}
	return ts, nil
}

// trialAdder adds trials to the destination, using up trial ids with
// placeholder trials (in a placeholder study) where the source has gaps.
type trialAdder struct {
	c           *copier
	next        int // the id the destination hands out next; 0 while unknown
	placeholder int // the placeholder study, 0 until needed
}

// add adds ts: one trial, or finished trials of one study with consecutive ids.
func (a *trialAdder) add(ts []srcTrial) error {
	want := ts[0].t.ID
	if err := a.useUpTo(want); err != nil {
		return err
	}
	var ids []int
	var err error
	if len(ts) == 1 && !ts[0].t.State.IsFinished() {
		var id int
		id, err = a.c.to.CloneTrial(ts[0].study, ts[0].t)
		ids = []int{id}
	} else {
		batch := make([]goptuna.FrozenTrial, len(ts))
		for i := range ts {
			batch[i] = ts[i].t
		}
		ids, err = a.c.to.AddFinishedTrials(ts[0].study, batch)
	}
	if err != nil {
		return fmt.Errorf("trial %d (number %d of study %d): %w", want, ts[0].t.Number, ts[0].study, err)
	}
	for i, id := range ids {
		if id != ts[i].t.ID {
			a.c.rep.TrialIDsChanged++
		}
	}
	a.next = ids[len(ids)-1] + 1
	return nil
}

// useUpTo makes the destination's next trial id want, with placeholder
// trials, when it is below want. While the next id is unknown it is learnt
// from one placeholder, unless want is 1, the first id there is.
func (a *trialAdder) useUpTo(want int) error {
	if a.next == 0 && want <= 1 {
		return nil
	}
	if a.next == 0 {
		if err := a.placeholders(1); err != nil {
			return err
		}
	}
	if a.next < want {
		return a.placeholders(want - a.next)
	}
	return nil
}

func (a *trialAdder) placeholders(n int) error {
	if a.placeholder == 0 {
		id, err := a.c.to.CreateNewStudy(placeholderName + "-" + strconv.FormatInt(time.Now().UnixNano(), 36))
		if err != nil {
			return fmt.Errorf("create the placeholder study: %w", err)
		}
		a.placeholder = id
	}
	for n > 0 {
		k := min(n, maxBatch)
		batch := make([]goptuna.FrozenTrial, k)
		for i := range batch {
			batch[i] = goptuna.FrozenTrial{State: goptuna.TrialStateFail}
		}
		ids, err := a.c.to.AddFinishedTrials(a.placeholder, batch)
		if err != nil {
			return fmt.Errorf("add placeholder trials: %w", err)
		}
		a.next = ids[len(ids)-1] + 1
		a.c.rep.Placeholders += k
		n -= k
	}
	return nil
}

// done deletes the placeholder study and its trials.
func (a *trialAdder) done() error {
	if a.placeholder == 0 {
		return nil
	}
	if err := a.c.to.DeleteStudy(a.placeholder); err != nil {
		return fmt.Errorf("delete the placeholder study %d: %w", a.placeholder, err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
