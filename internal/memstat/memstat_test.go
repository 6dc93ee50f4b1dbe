package memstat

import (
	"errors"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestParseHWM(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		{"linux", "Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 10 kB\n", 1234 * 1024, true},
		{"missing", "Name:\tx\nVmRSS:\t 10 kB\n", 0, false},
		{"bad unit", "VmHWM:\t 12 MB\n", 0, false},
		{"bad number", "VmHWM:\t x kB\n", 0, false},
		{"negative", "VmHWM:\t -3 kB\n", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseHWM([]byte(tc.in))
			if got != tc.want || ok != tc.ok {
				t.Fatalf("parseHWM = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParseHWM(f *testing.F) {
	f.Add([]byte("VmHWM:\t 1 kB\n"))
	f.Add([]byte("VmHWM:"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, ok := parseHWM(b); ok && n < 0 {
			t.Fatalf("negative peak %d", n)
		}
	})
}

// TestPeakSeesAnAllocation touches 64 MiB and checks that the peak covers
// it, and that after Reset (where supported) the peak drops below it once
// the memory is released and returned.
func TestPeakSeesAnAllocation(t *testing.T) {
	const size = 64 << 20
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(i)
	}
	p, err := Peak()
	if err != nil {
		t.Fatal(err)
	}
	if p < size {
		t.Fatalf("peak %d bytes while holding %d", p, size)
	}
	runtime.KeepAlive(buf)
	if runtime.GOOS != "linux" {
		return
	}
	buf = nil
	runtime.GC()
	debugFreeOSMemory()
	if err := Reset(); err != nil {
		if errors.Is(err, ErrNoReset) {
			t.Skipf("no reset here: %v", err)
		}
		t.Fatal(err)
	}
	q, err := Peak()
	if err != nil {
		t.Fatal(err)
	}
	if q >= p {
		t.Errorf("peak after reset %d, not below %d", q, p)
	}
}

func debugFreeOSMemory() { debug.FreeOSMemory() }
