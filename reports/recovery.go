package reports

import (
	"math"
	"sort"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
)

// paramOrder ranks the documented style parameter names (docs/DATA.md).
var paramOrder = func() map[string]int {
	names := []string{
		"brightness_r", "brightness_g", "brightness_b", "contrast_r", "contrast_g", "contrast_b",
		"hue", "saturation", "value", "sigma", "sigma_r", "sigma_g", "sigma_b",
		"noise_mean", "noise_std", "exposure",
	}
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}()

// SortParamNames orders parameter names as every cgx listing does (the CLI's
// trial table, the report and the dashboard): documented style names first in
// their documented order (channels r, g, b), then the rest alphabetically. It
// sorts names in place and returns it.
func SortParamNames(names []string) []string {
	sort.Strings(names)
	sort.SliceStable(names, func(i, j int) bool { return lessRanked(paramOrder, names[i], names[j]) })
	return names
}

// paramNames returns the parameter names used by any of trials, documented
// names first in their documented order, then the rest alphabetically.
func paramNames(trials []Trial) []string {
	set := map[string]bool{}
	for _, t := range trials {
		for k := range t.Params {
			set[k] = true
		}
	}
	return SortParamNames(sortedKeys(set))
}

// Check verdicts of the recovery tables.
const (
	checkPass = "pass"
	checkFail = "fail"
	checkNA   = "n/a"
)

// Recovery check limits (docs/REPORTS.md): a sign check passes when at least
// signShare of the images planted with a non-zero value get its sign; a
// magnitude check when the median relative error is at most relLimit.
const (
	signShare = 0.75
	relLimit  = 0.25
	rLimit    = 0.8 // a correlation check passes at r >= rLimit (issue 14's goal)
)

// recovery scores one fitted parameter against its planted value.
type recovery struct {
	param      string
	planted    float64 // study value, or the mean of per-image values
	hasPlanted bool
	fitted     []float64
	bounded    []bool    // per fitted image: its value ended at a bound of its range
	perImage   []float64 // planted value per fitted image, NaN-free; len == len(fitted) when complete
	rightSign  int       // images whose fitted sign matches their planted sign
	signed     int       // images whose planted value is not zero
	absErr     []float64 // |fitted - planted| per image with a planted value
	relErr     []float64 // absErr / |planted| per image planted with a non-zero value
	ratios     []float64 // fitted / planted for the same images
	// magnitude marks a parameter read by its size alone (a range starting
	// at 0 such as blur sigma, or noise_std whose sign is arbitrary): it is
	// judged by its errors, never by a sign it has by construction.
	magnitude bool
	// zeroLimit, for a parameter planted 0 in every image (no relative
	// error), is how far it may move and still pass its magnitude check:
	// relLimit of the largest planted size among its siblings (zeroSibling,
	// the same family planted non-zero: brightness_g for brightness_r). 0
	// when it has no such sibling: then nothing sets a scale and the check
	// is n/a.
	zeroLimit   float64
	zeroSibling string
}

// family is a parameter's name without its channel suffix: brightness for
// brightness_r, sigma for sigma_g and for sigma. Members of a family share
// units, so one's planted size is a scale for another's.
func family(p string) string {
	if i := strings.LastIndexByte(p, '_'); i > 0 {
		return p[:i]
	}
	return p
}

// setZeroLimits gives each parameter of recs planted 0 in every image the
// scale its magnitude check uses: relLimit of the largest median |planted|
// among the parameters of its family planted non-zero.
func setZeroLimits(recs []recovery) {
	for i := range recs {
		if len(recs[i].relErr) > 0 {
			continue
		}
		for _, o := range recs {
			if len(o.relErr) == 0 || family(o.param) != family(recs[i].param) {
				continue
			}
			if l := relLimit * math.Abs(o.plantedMedian()); l > recs[i].zeroLimit {
				recs[i].zeroLimit, recs[i].zeroSibling = l, o.param
			}
		}
	}
}

// magnitudeOnly names parameters whose sign carries no meaning: the noise
// level is |noise_std| (docs/MANIPULATIONS.md).
var magnitudeOnly = map[string]bool{"noise_std": true}

// isMagnitude reports whether parameter p of trials is non-negative by
// construction (every recorded range starts at 0 or above) or magnitudeOnly.
func isMagnitude(p string, trials []Trial) bool {
	if magnitudeOnly[p] {
		return true
	}
	seen := false
	for _, t := range trials {
		if b, ok := t.Bounds[p]; ok {
			if b[0] < 0 {
				return false
			}
			seen = true
		}
	}
	return seen
}

// dustShare is the part of a parameter's range within which a planted value
// counts as 0 for relative errors and signs: what round 1 left of a
// parameter planted 0 (a blue offset moved by 0.0003) is no gap to recover,
// and dividing by it gives meaningless relative errors.
const dustShare = 1e-3

// dust is dustShare of the width of p's range in trials (0 when unknown).
func dust(p string, trials []Trial) float64 {
	for _, t := range trials {
		if b, ok := t.Bounds[p]; ok {
			return dustShare * (b[1] - b[0])
		}
	}
	return 0
}

// studyRecovery scores every parameter of s that has a planted value, at the
// study level (cgx.planted) or per image (trial attribute cgx.planted).
func studyRecovery(s StudyData) []recovery {
	trials := s.Complete()
	var out []recovery
	for _, p := range paramNames(trials) {
		r := recovery{param: p, magnitude: isMagnitude(p, trials)}
		floor := dust(p, trials)
		sp, studyHas := s.Planted[p]
		allPerImage := true
		for _, t := range trials {
			f, ok := t.Params[p]
			if !ok {
				continue
			}
			if magnitudeOnly[p] {
				f = math.Abs(f)
			}
			r.fitted = append(r.fitted, f)
			r.bounded = append(r.bounded, t.atBound(p))
			pl, has := t.Planted[p]
			if !has {
				allPerImage = false
				if !studyHas {
					continue
				}
				pl = sp
			}
			if magnitudeOnly[p] {
				pl = math.Abs(pl)
			}
			if has {
				r.perImage = append(r.perImage, pl)
			}
			e := math.Abs(f - pl)
			r.absErr = append(r.absErr, e)
			if math.Abs(pl) <= floor {
				continue // nothing (measurable) to recover: no relative error, no sign
			}
			{
				r.relErr = append(r.relErr, e/math.Abs(pl))
				r.ratios = append(r.ratios, f/pl)
			}
			if sign(pl) != 0 {
				r.signed++
				if sign(f) == sign(pl) {
					r.rightSign++
				}
			}
		}
		if !allPerImage {
			r.perImage = nil
		}
		switch {
		case studyHas:
			r.planted, r.hasPlanted = sp, true
		case len(r.perImage) > 0:
			r.planted, r.hasPlanted = mean(r.perImage), true
		}
		if r.hasPlanted && len(r.fitted) > 0 {
			out = append(out, r)
		}
	}
	setZeroLimits(out)
	return out
}

// plantedMedian is the median planted value over the fitted images.
func (r recovery) plantedMedian() float64 {
	if len(r.perImage) == len(r.fitted) {
		return median(r.perImage)
	}
	return r.planted
}

// atBound counts the images whose value ended at a bound of its range.
func (r recovery) atBound() int {
	n := 0
	for _, b := range r.bounded {
		if b {
			n++
		}
	}
	return n
}

// boundShare is atBound as a share of the fitted images.
func (r recovery) boundShare() float64 { return float64(r.atBound()) / float64(len(r.fitted)) }

// paramLabel is how tables and figures name parameter p: |noise_std| for a
// parameter whose sign is arbitrary (magnitudeOnly), else p.
func paramLabel(p string) string {
	if magnitudeOnly[p] {
		return "|" + p + "|"
	}
	return p
}

// variesPerImage reports whether every fitted image records its own planted
// value and those values differ: what a fitted-against-planted scatter needs.
func (r recovery) variesPerImage() bool {
	if len(r.perImage) != len(r.fitted) || len(r.fitted) < 2 {
		return false
	}
	for _, v := range r.perImage[1:] {
		if v != r.perImage[0] {
			return true
		}
	}
	return false
}

// corr is Pearson r over images, NaN unless every image has its own planted value.
func (r recovery) corr() float64 {
	if len(r.perImage) != len(r.fitted) {
		return math.NaN()
	}
	return pearson(r.fitted, r.perImage)
}

// sizeRatio is the median over images of fitted / planted, over the images
// whose planted value counts as non-zero (those with a relative error): 0.5
// means the fit recovers half the planted size; NaN without such images.
func (r recovery) sizeRatio() float64 {
	return median(r.ratios)
}

// within25 is the share of images planted non-zero within 25% of it.
func (r recovery) within25() float64 {
	if len(r.relErr) == 0 {
		return math.NaN()
	}
	n := 0
	for _, e := range r.relErr {
		if e <= relLimit {
			n++
		}
	}
	return float64(n) / float64(len(r.relErr))
}

// signCheck: at least signShare of the images planted non-zero get the
// planted sign; n/a for magnitude parameters and when nothing is planted.
func (r recovery) signCheck() string {
	if r.magnitude || r.signed == 0 {
		return checkNA
	}
	if float64(r.rightSign) >= signShare*float64(r.signed) {
		return checkPass
	}
	return checkFail
}

// corrCheck: Pearson r over images of fitted against per-image planted
// values is at least rLimit; n/a when r is unknown (a study-level plant, or
// no variance).
func (r recovery) corrCheck() string {
	c := r.corr()
	switch {
	case math.IsNaN(c):
		return checkNA
	case c >= rLimit:
		return checkPass
	}
	return checkFail
}

// checks returns the sign, correlation and magnitude checks in that order.
func (r recovery) checks() []struct{ name, verdict string } {
	return []struct{ name, verdict string }{{"sign", r.signCheck()}, {"r", r.corrCheck()}, {"magnitude", r.magnitudeCheck()}}
}

// magnitudeCheck: the median relative error over images planted non-zero
// is at most relLimit. A parameter planted 0 in every image passes when its
// median absolute error (how far it moved) is at most its zeroLimit, so a
// red channel that moves as far as the green one planted beside it fails;
// n/a when no sibling sets a scale.
func (r recovery) magnitudeCheck() string {
	var ok bool
	switch {
	case len(r.relErr) > 0:
		ok = median(r.relErr) <= relLimit
	case r.zeroLimit > 0:
		ok = median(r.absErr) <= r.zeroLimit
	default:
		return checkNA
	}
	if ok {
		return checkPass
	}
	return checkFail
}

// hasRecovery reports whether s carries any planted value.
func (s StudyData) hasRecovery() bool {
	if s.Kind == KindContent || s.Distribution {
		return false // distribution fits are scored in style-distributions
	}
	if len(s.Planted) > 0 {
		return true
	}
	for _, t := range s.Trials {
		if len(t.Planted) > 0 {
			return true
		}
	}
	return false
}

// studyLabel names a style study in tables (which give the round in a
// column of its own): manipulation and direction.
func studyLabel(s StudyData) string {
	if s.Manipulation == "" {
		return s.Stage
	}
	if s.Direction != "" {
		return s.Manipulation + " " + s.Direction
	}
	return s.Manipulation
}

// figureLabel is studyLabel with the round of a later round of style.rounds.
func figureLabel(s StudyData) string {
	if s.Distribution && s.Manipulation != "" {
		return studyLabel(s) + " (distribution)"
	}
	if s.Round > 1 && s.Manipulation != "" && !s.isContent() {
		return studyLabel(s) + " " + keys.Round(s.Round)
	}
	return studyLabel(s)
}

// styleRound is the round of a style study: 1 unless it is a later round
// of style.rounds.
func styleRound(s StudyData) int { return max(1, s.Round) }

func (rd *RunData) recoveryTable() Table {
	t := Table{
		Name:  TableRecovery,
		Title: "Planted-gap recovery per parameter",
		Notes: []string{
			"planted: the value the generated real domain was built with (study attribute cgx.planted, or the mean of the per-image values; in a later round of style.rounds, the gap the earlier rounds left). round: 1 unless the fit is a later round of style.rounds.",
			"at bound: images whose fitted value ended at a bound of its range (read such a value as \"at least this much\", not as a measurement). r: Pearson correlation over images between fitted and planted values, only when every image records its own planted value. median abs/rel error: over images, the relative one over images planted with a non-zero value; within 25%: the share of those with relative error at most 25%.",
			"sign agrees: the sign of the mean fitted value equals the sign of the planted value; right sign: the fraction of images whose fitted value has the sign of their planted value (images planted 0 left out). Both n/a for a non-negative parameter (blur sigma) and for |noise_std|, whose sign says nothing.",
			"sign check: pass when at least 75% of the images planted non-zero get the planted sign (n/a for non-negative parameters); r check: pass when r >= 0.8 (n/a without per-image planted values); magnitude check: pass when the median relative error is at most 25%; for a parameter planted 0 in every image, when it moved (median abs error) at most 25% of the largest planted size among the same family's channels (brightness_g for brightness_r). Each can fail; n/a when it does not apply.",
		},
		Columns: []Column{
			{Key: "fit", Label: "fit"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "parameter", Label: "parameter"},
			{Key: "planted", Label: "planted", Kind: Float, Digits: 4},
			{Key: "fitted_mean", Label: "fitted mean", Kind: Float, Digits: 4},
			{Key: "fitted_median", Label: "fitted median", Kind: Float, Digits: 4},
			{Key: "images", Label: "images", Kind: Int},
			{Key: "at_bound", Label: "at bound", Kind: Int},
			{Key: "at_bound_share", Label: "at bound share", Kind: Percent, Digits: 1},
			{Key: "r", Label: "r", Kind: Float, Digits: 3},
			{Key: "median_abs_error", Label: "median abs error", Kind: Float, Digits: 4},
			{Key: "median_rel_error", Label: "median rel error", Kind: Percent, Digits: 1},
			{Key: "within_25pct", Label: "within 25%", Kind: Percent, Digits: 1},
			{Key: "sign_agrees", Label: "sign agrees"},
			{Key: "right_sign", Label: "right sign", Kind: Percent, Digits: 1},
			{Key: "sign_check", Label: "sign check"},
			{Key: "r_check", Label: "r check"},
			{Key: "magnitude_check", Label: "magnitude check"},
		},
	}
	for _, s := range rd.Studies {
		if !s.hasRecovery() {
			continue
		}
		for _, r := range studyRecovery(s) {
			m := mean(r.fitted)
			agrees := checkNA
			if sign(r.planted) != 0 && !r.magnitude {
				agrees = "no"
				if sign(m) == sign(r.planted) {
					agrees = "yes"
				}
			}
			right := Missing()
			if r.signed > 0 && !r.magnitude {
				right = Num(float64(r.rightSign) / float64(r.signed))
			}
			n := float64(len(r.fitted))
			t.Rows = append(t.Rows, []Cell{Str(studyLabel(s)), Num(float64(styleRound(s))), Str(r.param), Num(r.planted), Num(m),
				Num(median(r.fitted)), Num(n), Num(float64(r.atBound())), Num(r.boundShare()), Num(r.corr()),
				Num(median(r.absErr)), Num(median(r.relErr)), Num(r.within25()), Str(agrees), right,
				Str(r.signCheck()), Str(r.corrCheck()), Str(r.magnitudeCheck())})
		}
	}
	return t
}

func (rd *RunData) profileTable() Table {
	t := Table{
		Name:  TableProfile,
		Title: "Planted-gap recovery per fit",
		Notes: []string{
			"parameters: fitted parameters with a planted value; signed: those planted with a non-zero value whose sign means something (not blur sigma, not |noise_std|); signs agreeing: signed parameters whose mean fitted value has the planted sign. r: Pearson correlation across parameters between planted values and mean fitted values (needs two parameters with different planted values).",
			"at bound: the share of images with any parameter at a bound of its range. checks passed / checks: the sign, r and magnitude checks of the gap-recovery table that apply (not n/a), and how many pass.",
		},
		Columns: []Column{
			{Key: "fit", Label: "fit"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "study", Label: "study", Kind: Int},
			{Key: "parameters", Label: "parameters", Kind: Int},
			{Key: "signed", Label: "signed", Kind: Int},
			{Key: "signs_agreeing", Label: "signs agreeing", Kind: Int},
			{Key: "r", Label: "r", Kind: Float, Digits: 3},
			{Key: "at_bound", Label: "at bound", Kind: Percent, Digits: 1},
			{Key: "checks_passed", Label: "checks passed", Kind: Int},
			{Key: "checks", Label: "checks", Kind: Int},
		},
	}
	for _, s := range rd.Studies {
		if !s.hasRecovery() {
			continue
		}
		recs := studyRecovery(s)
		if len(recs) == 0 {
			continue
		}
		var planted, fitted []float64
		signed, agree, checks, passed := 0, 0, 0, 0
		for _, r := range recs {
			m := mean(r.fitted)
			planted = append(planted, r.planted)
			fitted = append(fitted, m)
			if sign(r.planted) != 0 && !r.magnitude {
				signed++
				if sign(m) == sign(r.planted) {
					agree++
				}
			}
			for _, c := range r.checks() {
				if c.verdict != checkNA {
					checks++
				}
				if c.verdict == checkPass {
					passed++
				}
			}
		}
		t.Rows = append(t.Rows, []Cell{Str(studyLabel(s)), Num(float64(styleRound(s))), Num(float64(s.ID)), Num(float64(len(recs))),
			Num(float64(signed)), Num(float64(agree)), Num(pearson(planted, fitted)), Num(boundShare(s)),
			Num(float64(passed)), Num(float64(checks))})
	}
	return t
}

// boundShare is the share of the study's complete trials with any parameter
// at a bound, NaN without trials.
func boundShare(s StudyData) float64 {
	c := s.Complete()
	if len(c) == 0 {
		return math.NaN()
	}
	n := 0
	for _, t := range c {
		if len(t.AtBound) > 0 {
			n++
		}
	}
	return float64(n) / float64(len(c))
}

// ParamNames returns the names of the study's parameters: documented style
// names first in their documented order, then the rest alphabetically.
func (s StudyData) ParamNames() []string { return paramNames(s.Trials) }
