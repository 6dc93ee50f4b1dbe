package dbcopy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
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

// copyTrials adds every trial in the order of its id, so that ids are kept
// where the destination allows, while each study's trials go in number
// order (their numbers are handed out again in that order).
func (c *copier) copyTrials(ctx context.Context) error {
	studies, err := c.from.Studies()
	if err != nil {
		return fmt.Errorf("list studies: %w", err)
	}
	var all []srcTrial
	counts := map[int]int{}
	inIDOrder := true
	for _, s := range studies {
		ts, err := c.from.GetAllTrials(s.ID)
		if err != nil {
			return fmt.Errorf("read the trials of study %d (%s): %w", s.ID, s.Name, err)
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].Number < ts[j].Number })
		for i, t := range ts {
			if t.Number != i {
				return fmt.Errorf("study %d (%s) has no trial number %d: %w; run 'cgx check' on the source", s.ID, s.Name, i, ErrMismatch)
			}
			if i > 0 && t.ID < ts[i-1].ID {
				inIDOrder = false
			}
			all = append(all, srcTrial{t: t, study: c.studyIDs[s.ID]})
		}
		counts[c.studyIDs[s.ID]] = len(ts)
	}
	if inIDOrder {
		// Each study's trials then stay in number order.
		sort.SliceStable(all, func(i, j int) bool { return all[i].t.ID < all[j].t.ID })
	}
	a := &trialAdder{c: c}
	for i := 0; i < len(all); {
		if err := ctx.Err(); err != nil {
			return err
		}
		j := i + 1
		if all[i].t.State.IsFinished() {
			for j < len(all) && j-i < maxBatch && all[j].study == all[i].study && all[j].t.State.IsFinished() && all[j].t.ID == all[j-1].t.ID+1 {
				j++
			}
		}
		if err := a.add(all[i:j]); err != nil {
			return err
		}
		c.rep.Trials += j - i
		c.progress(Progress{Part: "trials", Done: j, Total: len(all)})
		i = j
	}
	if err := a.done(); err != nil {
		return err
	}
	for sid, n := range counts {
		got, err := c.to.GetAllTrials(sid)
		if err != nil {
			return fmt.Errorf("read back study %d: %w", sid, err)
		}
		if len(got) != n {
			return fmt.Errorf("study %d has %d trials after the copy, the source %d: %w", sid, len(got), n, ErrMismatch)
		}
	}
	return nil
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
