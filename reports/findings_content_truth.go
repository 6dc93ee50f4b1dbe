package reports

import (
	"fmt"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
)

// contentTruthFindings: per exp2 search the shelf rule per level round by
// round, per exp1 round whether the trials called standing stand.
func (rd *RunData) contentTruthFindings() []Finding {
	var out []Finding
	rows := rd.shelfRows()
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].key.search == rows[i].key.search {
			j++
		}
		f := Finding{Topic: "content"}
		var parts []string
		prevLead := ""
		for _, r := range rows[i:j] {
			m := r.m
			lead := shelfLead(m[keys.MeasureShelfTop], m[keys.MeasureShelfBottom])
			if prevLead != "" && prevLead != "even" && lead != "even" && lead != prevLead {
				parts = append(parts, fmt.Sprintf("the lead moves from the %s level to the %s", prevLead, lead))
			}
			prevLead = lead
			v := shelfVerdict(m[keys.MeasureShelfCalled], m[keys.MeasureShelfTop], m[keys.MeasureShelfBottom])
			parts = append(parts, fmt.Sprintf("round %d %s (objects obeying the rule: top %s, bottom %s; whole levels right: top %s, bottom %s of the %d best images)",
				r.key.round, v, pct(m[keys.MeasureShelfTop]), pct(m[keys.MeasureShelfBottom]),
				pct(m[keys.MeasureShelfTopLevel]), pct(m[keys.MeasureShelfBottomLevel]), int(m[keys.MeasureShelfImages])))
			if v == shelfNoVerdict {
				f.Caveats = append(f.Caveats, fmt.Sprintf("Round %d: no best image reached the threshold, so the discriminator called none of them shelf and the levels say nothing about what it takes for one.", r.key.round))
			}
		}
		f.Text = fmt.Sprintf("Shelf rule, %s (scored from the rendered scene parameters): %s. Published: top right, bottom wrong after round 1; the reverse sensitivity after round 2.",
			rows[i].key.search, strings.Join(parts, "; "))
		out = append(out, f)
		i = j
	}
	for _, r := range rd.standingRows() {
		if r.last != 0 {
			continue
		}
		m := r.m
		n, called := m[keys.MeasureTruthTrials], m[keys.MeasureCalledStanding]
		prec, ok := m[keys.MeasureStandingVertical]
		v := standingVerdict(called, prec, ok)
		text := fmt.Sprintf("Experiment 1 truth, %s: the discriminator calls %d of %d trials standing", r.key, int(called), int(n))
		if ok {
			text += fmt.Sprintf("; %s of them stand (axis within 15 degrees of vertical) against %s of all trials: %s", pct(prec), pct(m[keys.MeasureVertical]), v)
		}
		f := Finding{Topic: "content", Text: text + "."}
		if v == standingOverconfident {
			f.Caveats = append(f.Caveats, "Trials pass the threshold without standing: read an early best loss as the discriminator's overconfidence out of its training distribution, not as a solved search.")
		}
		out = append(out, f)
	}
	return out
}
