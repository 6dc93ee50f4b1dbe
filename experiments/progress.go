package experiments

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
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
	// columns returns the terminal's width (0: unknown); the bar line is
	// cut to fit, since a line that wraps cannot be redrawn with \r.
	columns func() int
}

// NewProgress returns a reporter writing to w; terminal selects the redrawn bar.
func NewProgress(w io.Writer, terminal bool) *Progress {
	p := &Progress{w: w, terminal: terminal, interval: 5 * time.Second, now: time.Now}
	if f, ok := w.(*os.File); ok && terminal {
		p.columns = func() int {
			cols, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0
			}
			return cols
		}
	}
	return p
}

// IsTerminal reports whether f is a terminal (not merely a character device
// such as /dev/null).
func IsTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
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
	bar := fmt.Sprintf(" [%s%s] %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.count())
	task := p.task
	if p.columns != nil {
		if cols := p.columns(); cols > 0 {
			task = fitTask(task, max(1, cols-1-2-utf8.RuneCountInString(bar)))
		}
	}
	fmt.Fprintf(p.w, "\r\033[K  %s%s", task, bar)
}

// fitTask cuts task to at most room runes, ending it with "…" when cut;
// room <= 0 means no limit is known.
func fitTask(task string, room int) string {
	if room <= 0 || utf8.RuneCountInString(task) <= room {
		return task
	}
	if room == 1 {
		return "…"
	}
	r := []rune(task)
	return string(r[:room-1]) + "…"
}
