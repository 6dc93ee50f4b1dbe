package seeds

import "testing"

// Golden values computed with Python's hashlib:
//
//	h = hashlib.sha256(struct.pack('<Q', parent) + name.encode()).digest()
//	struct.unpack('<QQ', h[:16])
//
// Changing the derivation changes every seeded result cgx has stored.
var vectors = []struct {
	parent uint64
	name   string
	lo, hi uint64
}{
	{0, "", 0x7a0b81a1f57055af, 0x0f660ac74baf8cf7},
	{42, "init/conv1.weight", 0x65fd2fc61583ee90, 0xfabfb8adfc5045ae},
	{42, "shuffle/epoch-1", 0x9b5da9daab41b3b1, 0x21ee3cae2245dec2},
	{1, "trial/0", 0x94ccebae41037a6c, 0x24e13612a1fccdd8},
	{1<<64 - 7, "objective", 0x70a7899498c4eef9, 0x863a17d0b233a4bf},
	{1<<64 - 1, "manip/noise", 0xcb1e752e028c23ad, 0x2f31550ebcd2751a},
}

func TestChildVectors(t *testing.T) {
	for _, v := range vectors {
		if got := Child(v.parent, v.name); got != v.lo {
			t.Errorf("Child(%d, %q) = %#x, want %#x", v.parent, v.name, got, v.lo)
		}
	}
}

func TestInt63Vectors(t *testing.T) {
	tests := []struct {
		parent int64
		name   string
		want   int64
	}{
		{1, "trial/0", 1498831909655116396},
		{-7, "objective", 8117608124669816569},
		{0, "", 8794265229978523055},
		{-1, "manip/noise", 5412892642617598893},
	}
	for _, tc := range tests {
		got := Int63(tc.parent, tc.name)
		if got != tc.want {
			t.Errorf("Int63(%d, %q) = %d, want %d", tc.parent, tc.name, got, tc.want)
		}
		if got < 0 {
			t.Errorf("Int63(%d, %q) = %d is negative", tc.parent, tc.name, got)
		}
	}
}

func TestPCGKeyedByHash(t *testing.T) {
	// A PCG built from the two little-endian halves of the hash gives the
	// same stream as PCG(parent, name).
	for _, v := range vectors {
		got := PCG(v.parent, v.name)
		want := PCG(0, "")
		want.Seed(v.lo, v.hi)
		for i := range 4 {
			if a, b := got.Uint64(), want.Uint64(); a != b {
				t.Fatalf("PCG(%d, %q) draw %d = %#x, want %#x", v.parent, v.name, i, a, b)
			}
		}
	}
}

func TestNamesAndParentsSeparate(t *testing.T) {
	if Child(1, "a") == Child(1, "b") || Child(1, "a") == Child(2, "a") {
		t.Fatal("child seeds collide")
	}
	// The name is not length-prefixed, but the parent always takes 8
	// bytes, so (p, "ab") and (p', "b") can only collide through SHA-256.
	if Child(1, "ab") == Child(1, "a") {
		t.Fatal("prefix names collide")
	}
}
