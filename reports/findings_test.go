package reports

import (
	"math"
	"strings"
	"testing"
)

func findingsText(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Topic + ": " + f.Text)
		for _, c := range f.Caveats {
			b.WriteString(" [caveat] " + c)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestFindings(t *testing.T) {
	tests := []struct {
		name    string
		rd      *RunData
		want    []string
		notWant []string
	}{
		{"demo", loadDemo(t), []string{
			"discriminator: Discriminator style: 99.7% held-out accuracy. [caveat] At or near 100%",
			"brightness-contrast cg-to-real: closes the gap for most images",
			"the renders are too green",
			"content: Content search exp2.1 round 1: best confidence",
			"(cmaes seed ",
			"Segmentation, proposal-1: AP 0.425 over 1 seed(s); against baseline +0.013. [caveat] One pair of seeds",
		}, []string{"Rounds,"}},
		{"recovery", loadRecovery(t), []string{
			"blur cg-to-real: closes the gap for few images",
			"70.0% of the images end with a parameter at a bound of its range (sigma on 70.0%)",
			"|noise_std| 0.0",
			"Planted gap, blur cg-to-real: 0 of 2 checks pass. sigma: r 0.24, fitted 398.5% of the planted size, median rel. error 298.5%, r fail, magnitude fail, 70.0% at a bound.",
			"Planted gap, noise cg-to-real: 2 of 2 checks pass. |noise_std|: r 0.99",
			"Which manipulations close the gap (share of images that fool the discriminator): for most images: blur-brightness-contrast cg-to-real (100.0%), noise cg-to-real (100.0%); for few images: blur cg-to-real (30.0%).",
			"Rounds, blur-brightness-contrast cg-to-real: discriminator accuracy per round 99.6% → 99.2% → 55.0% (the last fell below style.round_accuracy: rounds stopped).",
			"After round 2, all rounds composed: contrast_g median -0.071 vs planted -0.085, r 0.87; sigma median 0.210 vs planted 0.600, r 0.55.",
			// sigma at 35% of planted is named; contrast_g at 84% is within 25%.
			"[caveat] Not recovered after round 2 (the composed median is outside 75-125% of the planted one): sigma 35.0% of planted.",
			"sigma stays at its 0.15 px start",
			"Segmentation, blur: AP 0.273 over 3 seed(s)",
			"worse, the seeds support it",
			"Segmentation, brightness-contrast: AP 0.530 over 3 seed(s) (95% interval 0.480 to 0.580); against baseline +0.051 (paired 95% interval +0.042 to +0.060: better, the seeds support it)",
		}, []string{"Discriminator blur-brightness-contrast/round-2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := findingsText(tc.rd.Findings())
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("findings lack %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("findings contain %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestQuantised(t *testing.T) {
	steps := make([]float64, 64)
	cont := make([]float64, 64)
	same := make([]float64, 64)
	for i := range steps {
		steps[i] = -0.02 * float64(1+i%2) // Adam's ±k·lr after one or two steps
		cont[i] = -0.001 * float64(i)
	}
	if n, q := quantised(steps); !q || n != 2 {
		t.Errorf("two step sizes over 64 images: %d, %v; want quantised", n, q)
	}
	if _, q := quantised(cont); q {
		t.Error("64 distinct values reported as quantised")
	}
	if _, q := quantised(same); q {
		t.Error("identical values (unmoved) reported as quantised")
	}
	if _, q := quantised(steps[:5]); q {
		t.Error("5 images judged; want at least 10")
	}
}

func TestEqualMoves(t *testing.T) {
	mk := func(vals map[string]float64) []Trial {
		var out []Trial
		for i := range 5 {
			p := map[string]float64{}
			for k, v := range vals {
				p[k] = v * (1 + 0.01*float64(i%2))
			}
			out = append(out, Trial{Params: p})
		}
		return out
	}
	names := []string{"brightness_r", "brightness_g", "brightness_b", "contrast_g"}
	adam := mk(map[string]float64{"brightness_r": 0.03, "brightness_g": -0.03, "brightness_b": 0.0055, "contrast_g": -0.0302})
	if step, ok := equalMoves(adam, names); !ok || math.Abs(step-0.03) > 0.001 {
		t.Errorf("Adam-like equal moves: %v %v, want about 0.03, true", step, ok)
	}
	cast := mk(map[string]float64{"brightness_r": 0.002, "brightness_g": -0.03, "brightness_b": 0.001, "contrast_g": -0.05})
	if _, ok := equalMoves(cast, names); ok {
		t.Error("a green cast with red and blue near 0 reported as equal moves")
	}
	still := mk(map[string]float64{"brightness_r": 0, "brightness_g": 0, "brightness_b": 0, "contrast_g": 0})
	if _, ok := equalMoves(still, names); ok {
		t.Error("unmoved parameters reported as equal moves")
	}
}
