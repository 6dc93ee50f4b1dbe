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
// so CI logs stay readable. A nil *Progress reports nothing.
type Progress struct {
	w        io.Writer
	terminal bool
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex
	task    string
	done    int
	total   int
	last    time.Time
	started time.Time
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
	fmt.Fprintf(p.w, format+"\n", a...)
	if p.terminal && p.task != "" {
		p.draw()
	}
}

// Start begins a task of total units.
func (p *Progress) Start(task string, total int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.task, p.done, p.total = task, 0, total
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
	case now.Sub(p.last) >= p.interval && p.done < p.total:
		fmt.Fprintf(p.w, "  %s: %d/%d\n", p.task, p.done, p.total)
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
	el := p.now().Sub(p.started).Round(10 * time.Millisecond)
	if summary != "" {
		summary = ": " + summary
	}
	fmt.Fprintf(p.w, "  %s done in %s%s\n", p.task, el, summary)
	p.task = ""
}

func (p *Progress) draw() {
	const width = 24
	filled := 0
	if p.total > 0 {
		filled = width * p.done / p.total
	}
	fmt.Fprintf(p.w, "\r\033[K  %s [%s%s] %d/%d", p.task, strings.Repeat("#", filled),
		strings.Repeat(".", width-filled), p.done, p.total)
}
