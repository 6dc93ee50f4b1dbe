package coco

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rectMask returns an h x w mask with rows [y0, y1) and columns [x0, x1) set.
func rectMask(h, w, x0, y0, x1, y1 int) Mask {
	m := NewMask(h, w)
	for y := max(y0, 0); y < min(y1, h); y++ {
		for x := max(x0, 0); x < min(x1, w); x++ {
			m.Pix[y*w+x] = true
		}
	}
	return m
}

func mustEncode(t testing.TB, m Mask) RLE {
	t.Helper()
	r, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEncodeKnownVectors(t *testing.T) {
	tests := []struct {
		name   string
		mask   Mask
		counts []uint32
		str    string
		area   int
		bbox   [4]float64
	}{
		{
			// 5 rows x 4 columns, rows 1-2 of columns 1-3 set. Column-major
			// runs: column 0 and row 0 of column 1 are 6 zeros, then 2 ones,
			// 3 zeros (rows 3-4 of column 1, row 0 of column 2), 2 ones, 3
			// zeros, 2 ones, 2 trailing zeros. The string stores 6, 2, 3 as
			// is, then differences to the count two before: 0, 0, 0, -1;
			// 0 is '0' and -1 is 0x1f+48 = 'O'.
			name: "block", mask: rectMask(5, 4, 1, 1, 4, 3),
			counts: []uint32{6, 2, 3, 2, 3, 2, 2}, str: "623000O", area: 6, bbox: [4]float64{1, 1, 3, 2},
		},
		{
			// an empty mask is one run of zeros; its box is all zeros
			name: "empty", mask: NewMask(3, 3), counts: []uint32{9}, str: "9", area: 0,
		},
		{
			// a full mask starts with an empty run of zeros
			name: "full", mask: rectMask(2, 2, 0, 0, 2, 2), counts: []uint32{0, 4}, str: "04", area: 4, bbox: [4]float64{0, 0, 2, 2},
		},
		{
			// 40 needs two 5-bit groups: 40 = 8 + 1*32, so '8'|0x20 = 'X',
			// then 1 -> '1'.
			name: "two groups", mask: rectMask(10, 4, 0, 0, 4, 10), counts: []uint32{0, 40}, str: "0X1", area: 40, bbox: [4]float64{0, 0, 4, 10},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustEncode(t, tc.mask)
			if diff := cmp.Diff(tc.counts, r.Counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			if got := r.CountsString(); got != tc.str {
				t.Errorf("string %q, want %q", got, tc.str)
			}
			if got := r.Area(); got != tc.area {
				t.Errorf("area %d, want %d", got, tc.area)
			}
			if got := r.Bbox(); got != tc.bbox {
				t.Errorf("bbox %v, want %v", got, tc.bbox)
			}
			back, err := DecodeCounts(tc.str, tc.mask.H, tc.mask.W)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.mask, back.Decode()); diff != "" {
				t.Errorf("decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCountsRejects(t *testing.T) {
	tests := []struct {
		name string
		s    string
		h, w int
	}{
		{"sum too small", "5", 3, 3},
		{"sum too large", "95", 3, 3},
		{"truncated value", "0X", 10, 4}, // 'X' says more follows
		{"bad character", "6~", 5, 4},
		{"negative count", "O", 1, 1}, // -1 as the first count
		{"too many groups", "ooooooo1", 1, 1},
		{"negative size", "", -1, 3},
		{"huge size", "", 1 << 20, 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCounts(tc.s, tc.h, tc.w)
			if !errors.Is(err, ErrBadRLE) {
				t.Errorf("DecodeCounts(%q, %d, %d) = %v, want ErrBadRLE", tc.s, tc.h, tc.w, err)
			}
		})
	}
}

func randomMask(rng *rand.Rand, h, w int) Mask {
	m := NewMask(h, w)
	density := rng.Float64()
	for i := range m.Pix {
		m.Pix[i] = rng.Float64() < density
	}
	if rng.IntN(2) == 0 { // blobs rather than noise
		m = rectMask(h, w, rng.IntN(w+1), rng.IntN(h+1), rng.IntN(w+1), rng.IntN(h+1))
		if rng.IntN(2) == 0 {
			o := rectMask(h, w, rng.IntN(w+1), rng.IntN(h+1), rng.IntN(w+1), rng.IntN(h+1))
			for i := range m.Pix {
				m.Pix[i] = m.Pix[i] != o.Pix[i]
			}
		}
	}
	return m
}

func pixelBbox(m Mask) [4]float64 {
	x0, y0, x1, y1 := m.W, m.H, -1, -1
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if m.Pix[y*m.W+x] {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return [4]float64{}
	}
	return [4]float64{float64(x0), float64(y0), float64(x1 - x0 + 1), float64(y1 - y0 + 1)}
}

// TestRLEProperties checks the run-length operations against pixel-wise
// definitions on random masks: decode inverts encode, the string codec
// round-trips, area and union agree with counting pixels, IoU agrees with
// |A∩B|/|A∪B| (and |A∩B|/|A| for a crowd region). Bbox agrees with the pixel
// box whenever every run of ones stays in one column or spans whole columns
// (rleToBbox widens the box to the full height otherwise).
func TestRLEProperties(t *testing.T) {
	seed := uint64(20240601)
	rng := rand.New(rand.NewPCG(seed, 1))
	for it := 0; it < 400; it++ {
		h, w := 1+rng.IntN(12), 1+rng.IntN(12)
		a, b := randomMask(rng, h, w), randomMask(rng, h, w)
		ra, rb := mustEncode(t, a), mustEncode(t, b)
		if diff := cmp.Diff(a, ra.Decode()); diff != "" {
			t.Fatalf("seed %d it %d: decode(encode) differs:\n%s", seed, it, diff)
		}
		back, err := DecodeCounts(ra.CountsString(), h, w)
		if err != nil || !cmp.Equal(back.Counts, ra.Counts) {
			t.Fatalf("seed %d it %d: string round trip %v -> %q -> %v, %v", seed, it, ra.Counts, ra.CountsString(), back.Counts, err)
		}
		if ra.Area() != a.Area() {
			t.Fatalf("seed %d it %d: area %d, pixels %d", seed, it, ra.Area(), a.Area())
		}
		inter, union := 0, 0
		or := NewMask(h, w)
		for i := range a.Pix {
			if a.Pix[i] && b.Pix[i] {
				inter++
			}
			if a.Pix[i] || b.Pix[i] {
				union++
				or.Pix[i] = true
			}
		}
		if diff := cmp.Diff(or, Merge([]RLE{ra, rb}, false).Decode()); diff != "" {
			t.Fatalf("seed %d it %d: merge differs from pixel OR:\n%s", seed, it, diff)
		}
		ious := IoU([]RLE{ra}, []RLE{rb, rb}, []bool{false, true})
		want, wantCrowd := 0.0, 0.0
		if inter > 0 {
			want, wantCrowd = float64(inter)/float64(union), float64(inter)/float64(a.Area())
		}
		if ious[0][0] != want || ious[0][1] != wantCrowd {
			t.Fatalf("seed %d it %d: iou %v, want [%v %v]", seed, it, ious[0], want, wantCrowd)
		}
		if pb := pixelBbox(a); pb[3] == float64(h) || pb[2] <= 1 {
			if got := ra.Bbox(); got != pb {
				t.Fatalf("seed %d it %d: bbox %v, pixels %v", seed, it, got, pb)
			}
		}
	}
}

func TestIoUEdgeCases(t *testing.T) {
	a := mustEncode(t, rectMask(10, 10, 0, 0, 4, 4))
	far := mustEncode(t, rectMask(10, 10, 6, 6, 10, 10))
	other := mustEncode(t, rectMask(10, 12, 0, 0, 4, 4))
	tests := []struct {
		name   string
		dt, gt []RLE
		crowd  []bool
		want   [][]float64
	}{
		{"no detections", nil, []RLE{a}, nil, nil},
		{"no ground truth", []RLE{a}, nil, nil, nil},
		{"disjoint boxes", []RLE{a}, []RLE{far}, nil, [][]float64{{0}}},
		// sizes differ and boxes overlap: maskApi.c reports -1, which no
		// threshold accepts
		{"size mismatch", []RLE{a}, []RLE{other}, nil, [][]float64{{-1}}},
		// a detection inside a crowd region scores 1 whatever the crowd's size
		{"inside crowd", []RLE{a}, []RLE{mustEncode(t, rectMask(10, 10, 0, 0, 10, 10))}, []bool{true}, [][]float64{{1}}},
		{"same mask", []RLE{a, far}, []RLE{a}, nil, [][]float64{{1}, {0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, IoU(tc.dt, tc.gt, tc.crowd)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeEdgeCases(t *testing.T) {
	a := mustEncode(t, rectMask(4, 4, 0, 0, 2, 2))
	b := mustEncode(t, rectMask(4, 4, 1, 1, 3, 3))
	if got := Merge(nil, false); got.H != 0 || got.W != 0 || len(got.Counts) != 0 {
		t.Errorf("merge of nothing = %+v, want empty 0x0", got)
	}
	if got := Merge([]RLE{a, mustEncode(t, NewMask(4, 5))}, false); got.H != 0 || got.W != 0 {
		t.Errorf("merge of different sizes = %+v, want empty 0x0", got)
	}
	inter := Merge([]RLE{a, b}, true)
	if diff := cmp.Diff(rectMask(4, 4, 1, 1, 2, 2), inter.Decode()); diff != "" {
		t.Errorf("intersection (-want +got):\n%s", diff)
	}
}

func TestMaskValidate(t *testing.T) {
	if err := (Mask{H: 2, W: 2, Pix: make([]bool, 3)}).Validate(); !errors.Is(err, ErrBadMask) {
		t.Errorf("short mask: %v, want ErrBadMask", err)
	}
	if _, err := Encode(Mask{H: -1, W: 2}); !errors.Is(err, ErrBadMask) {
		t.Errorf("negative size: %v, want ErrBadMask", err)
	}
}

func FuzzDecodeCounts(f *testing.F) {
	for _, s := range []string{"623000O", "9", "04", "0X1", "", "O", "ooooooo1", "61X13mN"} {
		f.Add(s, 5, 4)
	}
	f.Fuzz(func(t *testing.T, s string, h, w int) {
		r, err := DecodeCounts(s, h, w)
		if err != nil {
			if !errors.Is(err, ErrBadRLE) {
				t.Fatalf("error %v is not ErrBadRLE", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("decoded RLE invalid: %v", err)
		}
		back, err := DecodeCounts(r.CountsString(), h, w)
		if err != nil || !cmp.Equal(back.Counts, r.Counts) {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, r.Counts, r.CountsString(), back.Counts, err)
		}
		if r.H*r.W <= 1<<16 {
			m := r.Decode()
			if m.Area() != r.Area() {
				t.Fatalf("area %d, decoded pixels %d", r.Area(), m.Area())
			}
		}
	})
}
