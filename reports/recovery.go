package reports

import "sort"

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

// recovery scores one fitted parameter against its planted value.
type recovery struct {
	param      string
	planted    float64 // study value, or the mean of per-image values
	hasPlanted bool
	fitted     []float64
	perImage   []float64 // planted value per fitted image, NaN-free; len == len(fitted) when complete
	rightSign  int       // images whose fitted sign matches their planted sign
	signed     int       // images whose planted value is not zero
}

// studyRecovery scores every parameter of s that has a planted value, at the
// study level (cgx.planted) or per image (trial attribute cgx.planted).
func studyRecovery(s StudyData) []recovery {
	trials := s.Complete()
	var out []recovery
	for _, p := range paramNames(trials) {
		r := recovery{param: p}
		sp, studyHas := s.Planted[p]
		allPerImage := true
		for _, t := range trials {
			f, ok := t.Params[p]
			if !ok {
				continue
			}
			r.fitted = append(r.fitted, f)
			pl, has := t.Planted[p]
			if has {
				r.perImage = append(r.perImage, pl)
			} else {
				allPerImage = false
				if !studyHas {
					continue
				}
				pl = sp
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
	return out
}

// hasRecovery reports whether s carries any planted value.
func (s StudyData) hasRecovery() bool {
	if s.Kind == KindContent {
		return false
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

func studyLabel(s StudyData) string {
	if s.Manipulation != "" {
		if s.Direction != "" {
			return s.Manipulation + " " + s.Direction
		}
		return s.Manipulation
	}
	return s.Stage
}

func (rd *RunData) recoveryTable() Table {
	t := Table{
		Name:  TableRecovery,
		Title: "Planted-gap recovery per parameter",
		Notes: []string{
			"planted: the value the generated real domain was built with (study attribute cgx.planted, or the mean of the per-image values). sign agrees: the sign of the mean fitted value equals the sign of the planted value (n/a when the planted value is 0).",
			"right sign: the fraction of images whose fitted value has the sign of their planted value (images planted with 0 left out). r: Pearson correlation over images between fitted and planted values, only when every image records its own planted value.",
		},
		Columns: []Column{
			{Key: "fit", Label: "fit"},
			{Key: "parameter", Label: "parameter"},
			{Key: "planted", Label: "planted", Kind: Float, Digits: 4},
			{Key: "fitted_mean", Label: "fitted mean", Kind: Float, Digits: 4},
			{Key: "fitted_median", Label: "fitted median", Kind: Float, Digits: 4},
			{Key: "images", Label: "images", Kind: Int},
			{Key: "sign_agrees", Label: "sign agrees"},
			{Key: "right_sign", Label: "right sign", Kind: Percent, Digits: 1},
			{Key: "r", Label: "r", Kind: Float, Digits: 3},
		},
	}
	for _, s := range rd.Studies {
		if !s.hasRecovery() {
			continue
		}
		for _, r := range studyRecovery(s) {
			m := mean(r.fitted)
			agrees := "n/a"
			if sign(r.planted) != 0 {
				agrees = "no"
				if sign(m) == sign(r.planted) {
					agrees = "yes"
				}
			}
			right := Missing()
			if r.signed > 0 {
				right = Num(float64(r.rightSign) / float64(r.signed))
			}
			corr := Missing()
			if len(r.perImage) == len(r.fitted) {
				corr = Num(pearson(r.fitted, r.perImage))
			}
			t.Rows = append(t.Rows, []Cell{Str(studyLabel(s)), Str(r.param), Num(r.planted), Num(m),
				Num(median(r.fitted)), Num(float64(len(r.fitted))), Str(agrees), right, corr})
		}
	}
	return t
}

func (rd *RunData) profileTable() Table {
	t := Table{
		Name:  TableProfile,
		Title: "Planted-gap recovery per fit",
		Notes: []string{"parameters: fitted parameters with a planted value; signed: those planted with a non-zero value; signs agreeing: signed parameters whose mean fitted value has the planted sign. r: Pearson correlation across parameters between planted values and mean fitted values (needs two parameters with different planted values)."},
		Columns: []Column{
			{Key: "fit", Label: "fit"},
			{Key: "study", Label: "study", Kind: Int},
			{Key: "parameters", Label: "parameters", Kind: Int},
			{Key: "signed", Label: "signed", Kind: Int},
			{Key: "signs_agreeing", Label: "signs agreeing", Kind: Int},
			{Key: "r", Label: "r", Kind: Float, Digits: 3},
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
		signed, agree := 0, 0
		for _, r := range recs {
			m := mean(r.fitted)
			planted = append(planted, r.planted)
			fitted = append(fitted, m)
			if sign(r.planted) != 0 {
				signed++
				if sign(m) == sign(r.planted) {
					agree++
				}
			}
		}
		t.Rows = append(t.Rows, []Cell{Str(studyLabel(s)), Num(float64(s.ID)), Num(float64(len(recs))),
			Num(float64(signed)), Num(float64(agree)), Num(pearson(planted, fitted))})
	}
	return t
}

// ParamNames returns the names of the study's parameters: documented style
// names first in their documented order, then the rest alphabetically.
func (s StudyData) ParamNames() []string { return paramNames(s.Trials) }
