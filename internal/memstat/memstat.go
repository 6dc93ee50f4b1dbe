package memstat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// ErrNoReset is returned by Reset where the high-water mark cannot be
// lowered; Peak then covers the whole process so far.
var ErrNoReset = errors.New("peak memory cannot be reset on this system")

// Peak returns the process's peak resident memory in bytes.
func Peak() (int64, error) {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		if n, ok := parseHWM(b); ok {
			return n, nil
		}
	}
	return rusagePeak()
}

// parseHWM finds "VmHWM: <n> kB" in the text of /proc/self/status.
func parseHWM(status []byte) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, false
		}
		n, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		return n * 1024, true
	}
	return 0, false
}

// Reset lowers the high-water mark to the current resident size, so that
// the next Peak covers what happens from now on. It returns an error
// wrapping ErrNoReset where that is not possible.
func Reset() error {
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("reset peak memory: %w: %v", ErrNoReset, err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("5")); err != nil {
		return fmt.Errorf("reset peak memory: %w: %v", ErrNoReset, err)
	}
	return nil
}
