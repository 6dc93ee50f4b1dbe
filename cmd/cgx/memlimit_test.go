package main

import "testing"

func TestApplyMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env   string
		want  []int64 // the limits set
		guard bool
	}{
		{"", []int64{defaultMemoryLimit}, true},
		{"2GiB", nil, false},
		{"off", nil, false},
	} {
		var set []int64
		g := applyMemoryLimit(func(k string) string {
			if k == "GOMEMLIMIT" {
				return tc.env
			}
			return ""
		}, func(n int64) int64 { set = append(set, n); return 0 })
		if len(set) != len(tc.want) || (len(set) == 1 && set[0] != tc.want[0]) {
			t.Errorf("GOMEMLIMIT=%q: limits set %v, want %v", tc.env, set, tc.want)
		}
		if (g != nil) != tc.guard {
			t.Errorf("GOMEMLIMIT=%q: guard %v, want one: %v", tc.env, g != nil, tc.guard)
		}
	}
}

// TestMemoryGuard: the default limit stays while the live heap is well
// under it, and follows twice the live heap once it comes near, never down.
func TestMemoryGuard(t *testing.T) {
	var set []int64
	g := &memoryGuard{limit: defaultMemoryLimit, set: func(n int64) int64 { set = append(set, n); return 0 }}
	const mib = 1 << 20
	for _, live := range []uint64{100 * mib, 557 * mib, 672 * mib} { // up to 7/8 of 768 MiB
		g.observe(live)
	}
	if len(set) != 0 {
		t.Fatalf("limit changed to %v with the live heap at most 7/8 of the default", set)
	}
	g.observe(700 * mib)
	g.observe(600 * mib)  // lower again: the limit stays
	g.observe(1200 * mib) // under 7/8 of 1400 MiB: stays
	g.observe(1300 * mib)
	want := []int64{1400 * mib, 2600 * mib}
	if len(set) != len(want) || set[0] != want[0] || set[1] != want[1] {
		t.Errorf("limits set %v MiB, want %v MiB", mibs(set), mibs(want))
	}
}

func mibs(v []int64) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = x >> 20
	}
	return out
}
