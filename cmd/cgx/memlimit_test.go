package main

import "testing"

func TestApplyMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want []int64 // the limits set
	}{
		{"", []int64{defaultMemoryLimit}},
		{"2GiB", nil},
		{"off", nil},
	} {
		var set []int64
		applyMemoryLimit(func(k string) string {
			if k == "GOMEMLIMIT" {
				return tc.env
			}
			return ""
		}, func(n int64) int64 { set = append(set, n); return 0 })
		if len(set) != len(tc.want) || (len(set) == 1 && set[0] != tc.want[0]) {
			t.Errorf("GOMEMLIMIT=%q: limits set %v, want %v", tc.env, set, tc.want)
		}
	}
}
