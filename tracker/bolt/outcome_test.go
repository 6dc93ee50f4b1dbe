package bolt

import (
	"context"
	"errors"
	"github.com/cgx-dev/cgx/tracker"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestRunOutcomeAfterFullDisk: when the commit recording a run's end fails
// (a full disk), the outcome is kept next to the database and the next
// writer records it; when even that fails, the error says the run will show
// as running.
func TestRunOutcomeAfterFullDisk(t *testing.T) {
	ctx := context.Background()
	for _, blocked := range []bool{false, true} {
		s, path, _ := openStudy(t, NoSync())
		id, err := s.CreateRun(ctx, tracker.Run{Name: "r"})
		if err != nil {
			t.Fatal(err)
		}
		if blocked {
			os.Mkdir(outcomePath(path, id), 0o755) // the outcome file cannot be written either
		}
		commitFault = func() error { return syscall.ENOSPC }
		err = s.UpdateRun(ctx, id, func(r *tracker.Run) error {
			r.Status, r.Error = tracker.RunFailed, "stage fit: no space left on device"
			return nil
		})
		commitFault = nil
		if !errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("blocked=%v: UpdateRun: %v; want a one-line error wrapping ENOSPC", blocked, err)
		}
		want := "saved in " + outcomePath(path, id)
		if blocked {
			want = "will show as running"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("blocked=%v: %v; want it to say %q", blocked, err, want)
		}
		Crash(s) // the process exits
		if blocked {
			os.Remove(outcomePath(path, id))
		}
		s, err = Open(path, NoSync())
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		switch {
		case blocked && r.Status != tracker.RunRunning:
			t.Errorf("blocked: status %s, want running (nothing recorded it)", r.Status)
		case !blocked && (r.Status != tracker.RunFailed || !strings.Contains(r.Error, "no space left") || !strings.Contains(r.Error, "recorded later")):
			t.Errorf("next writer recorded %s %q; want failed with the cause", r.Status, r.Error)
		}
		if _, err := os.Stat(outcomePath(path, id)); err == nil {
			t.Errorf("blocked=%v: the outcome file is still there after it was recorded", blocked)
		}
	}
}
