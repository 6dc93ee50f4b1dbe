// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package fmath

// Float64 layout constants, from Go's math/bits.go.
const (
	mask  = 0x7FF
	shift = 64 - 11 - 1
	bias  = 1023
)
