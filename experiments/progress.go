package experiments

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress reports long work. On a terminal it redraws one status line with a
// bar; otherwise it prints plain log lines, at most one per interval per task,
// so CI logs stay readable. Counts carry the task's unit ("12/104 steps").
// A task that finishes without a unit done holds its "done" line until the
// next output, so a caller that learns the work was already stored can say
// so instead (Replace). A nil *Progress reports nothing.
type Progress struct {
	w        io.Writer
	terminal bool
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex
	task    string
	unit    string // plural noun after counts: "images", "steps", "trials"; "" for none
	done    int
	total   int
	last    time.Time
	started time.Time
	pending string // a finished no-work task's line, not yet printed
}

// NewProgress returns a reporter writing to w; terminal selects the redrawn bar.
func NewProgress(w io.Writer, terminal bool) *Progress {
	return &Progress{w: w, terminal: terminal, interval: 5 * time.Second, now: time.Now}
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Logf prints one line (ending any bar in progress).
func (p *Progress) Logf(format string, a ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.task != "" {
		fmt.Fprint(p.w, "\r\033[K")
	}
	p.flush()
	fmt.Fprintf(p.w, format+"\n", a...)
	if p.terminal && p.task != "" {
		p.draw()
	}
}

// Start begins a task of total units without a unit name.
func (p *Progress) Start(task string, total int) { p.StartUnits(task, total, "") }

// StartUnits begins a task of total units, each a unit (a plural noun such
// as "images", "steps" or "trials") that counts are printed with.
func (p *Progress) StartUnits(task string, total int, unit string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flush()
	p.task, p.unit, p.done, p.total = task, unit, 0, total
	p.started = p.now()
	p.last = time.Time{}
	if p.terminal {
		p.draw()
	}
}

// Add records n more units done.
func (p *Progress) Add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := p.now()
	switch {
	case p.terminal:
		if now.Sub(p.last) >= 100*time.Millisecond || p.done >= p.total {
			p.draw()
			p.last = now
		}
	case now.Sub(p.last) >= p.interval && p.done > 0 && p.done < p.total:
		p.flush()
		fmt.Fprintf(p.w, "  %s: %s\n", p.task, p.count())
		p.last = now
	}
}

// Set records that done units of the current task are finished.
func (p *Progress) Set(done int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	n := done - p.done
	p.mu.Unlock()
	if n > 0 {
		p.Add(n)
	}
}

// Finish ends the current task with a summary line.
func (p *Progress) Finish(summary string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
	p.flush()
	el := p.now().Sub(p.started).Round(10 * time.Millisecond)
	if summary != "" {
		summary = ": " + summary
	}
	line := fmt.Sprintf("  %s done in %s%s\n", p.task, el, summary)
	if p.done == 0 && p.total > 0 {
		p.pending = line // nothing was counted: maybe reused (Replace)
	} else {
		fmt.Fprint(p.w, line)
	}
	p.task = ""
}

// Replace prints line in place of the held "done" line of a task that
// finished without a unit done (the work was already stored); with none held
// it prints line after what was printed.
func (p *Progress) Replace(format string, a ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = ""
	fmt.Fprintf(p.w, format+"\n", a...)
}

// Flush prints a held "done" line; the runner calls it before returning.
func (p *Progress) Flush() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flush()
}

func (p *Progress) flush() {
	if p.pending != "" {
		fmt.Fprint(p.w, p.pending)
		p.pending = ""
	}
}

// count is "done/total unit".
func (p *Progress) count() string {
	if p.unit == "" {
		return fmt.Sprintf("%d/%d", p.done, p.total)
	}
	return fmt.Sprintf("%d/%d %s", p.done, p.total, p.unit)
}

func (p *Progress) draw() {
	const width = 24
	filled := 0
	if p.total > 0 {
		filled = width * p.done / p.total
	}
	fmt.Fprintf(p.w, "\r\033[K  %s [%s%s] %s", p.task, strings.Repeat("#", filled),
		strings.Repeat(".", width-filled), p.count())
}
