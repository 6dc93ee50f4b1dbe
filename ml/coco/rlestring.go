package coco

import (
	"fmt"
	"math"
	"strings"
)

// CountsString returns the compressed form of the counts, as maskApi.c's
// rleToString: every count from the fourth on is stored as the difference to
// the count two before it, and each value is written little-endian in 5-bit
// groups as the characters '0'..'o' (48..111), bit 0x20 marking "more
// follows" and bit 0x10 of the last group carrying the sign.
func (r RLE) CountsString() string {
	var b strings.Builder
	b.Grow(len(r.Counts) * 2)
	for i, c := range r.Counts {
		x := int64(c)
		if i > 2 {
			x -= int64(r.Counts[i-2])
		}
		for more := true; more; {
			ch := byte(x & 0x1f)
			x >>= 5
			if ch&0x10 != 0 {
				more = x != -1
			} else {
				more = x != 0
			}
			if more {
				ch |= 0x20
			}
			b.WriteByte(ch + 48)
		}
	}
	return b.String()
}

// maxGroups bounds the 5-bit groups of one value: seven groups hold 35 bits,
// enough for any uint32 count or difference of counts.
const maxGroups = 7

// DecodeCounts parses a compressed count string (maskApi.c's rleFrString)
// into an RLE of h rows and w columns. Unlike the C code it rejects what it
// cannot decode safely: characters outside '0'..'o', a value cut off at the
// end of the string, values that overflow, negative counts, and counts that
// do not add up to h*w.
func DecodeCounts(s string, h, w int) (RLE, error) {
	if !sizeOK(h, w) {
		return RLE{}, fmt.Errorf("%w: size %dx%d out of range", ErrBadRLE, h, w)
	}
	counts := make([]uint32, 0, len(s)/2+1)
	for p := 0; p < len(s); {
		var x int64
		k := 0
		for more := true; more; {
			if p >= len(s) {
				return RLE{}, fmt.Errorf("%w: count string ends inside a value", ErrBadRLE)
			}
			if k >= maxGroups {
				return RLE{}, fmt.Errorf("%w: value at character %d has more than %d groups", ErrBadRLE, p, maxGroups)
			}
			c := int64(s[p]) - 48
			if c < 0 || c > 63 {
				return RLE{}, fmt.Errorf("%w: character %q at %d is outside '0'..'o'", ErrBadRLE, s[p], p)
			}
			x |= (c & 0x1f) << (5 * k)
			more = c&0x20 != 0
			p++
			k++
			if !more && c&0x10 != 0 {
				x |= -1 << (5 * k)
			}
		}
		if m := len(counts); m > 2 {
			x += int64(counts[m-2])
		}
		if x < 0 || x > math.MaxUint32 {
			return RLE{}, fmt.Errorf("%w: count %d of %d is out of range", ErrBadRLE, len(counts), x)
		}
		counts = append(counts, uint32(x))
	}
	r := RLE{H: h, W: w, Counts: counts}
	if err := r.Validate(); err != nil {
		return RLE{}, err
	}
	return r, nil
}
