// Package browsertest drives Debian's headless Chromium for the tests of
// reports and reports/dashboard: it loads a page, lets a small script record
// which images decoded, and takes a screenshot that tests check is not blank.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Candidates are the browser commands looked for, in order.
var Candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of a Chromium-like browser, or skips the test: under
// -short (the quick lane), or with a message saying how to install one.
func Find(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("headless browser test skipped under -short (it starts Chromium); go test without -short runs it")
	}
	for _, c := range Candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Skip("headless browser test skipped: no chromium on PATH; install it with 'apt-get install -y chromium' (.ci/run does)")
	return ""
}

// CheckScript, placed at the end of a page's body, records on load every
// image's state in <pre id="cgx-img-check">, one line per image:
// "ok|broken NATURALWIDTH SRC", and the length of the page's visible text in
// the body attribute data-text-length.
const CheckScript = `<script>
window.addEventListener('load', function () {
  var lines = [];
  document.querySelectorAll('img').forEach(function (img) {
    var ok = img.complete && img.naturalWidth > 0;
    lines.push((ok ? 'ok ' : 'broken ') + img.naturalWidth + ' ' + img.getAttribute('src'));
  });
  var pre = document.createElement('pre');
  pre.id = 'cgx-img-check';
  pre.textContent = lines.join('\n');
  document.body.setAttribute('data-text-length', String(document.body.innerText.length));
  // Layout of every table with an id: "id right lines clipped", where right
  // is the table's right edge in CSS px, lines the most text lines of any
  // body cell and clipped the body cells whose content is wider than them.
  var tables = [];
  document.querySelectorAll('table[id]').forEach(function (tb) {
    var lines = 0, clipped = 0;
    tb.querySelectorAll('tbody td').forEach(function (c) {
      var cs = getComputedStyle(c);
      var lh = parseFloat(cs.lineHeight) || 1.2 * parseFloat(cs.fontSize);
      var h = c.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
      lines = Math.max(lines, Math.round(h / lh));
      if (c.scrollWidth > c.clientWidth + 1) clipped++;
    });
    tables.push([tb.id, Math.round(tb.getBoundingClientRect().right), lines, clipped].join(' '));
  });
  document.body.setAttribute('data-tables', tables.join(';'));
  document.body.setAttribute('data-viewport', String(window.innerWidth));
  document.body.appendChild(pre);
});
</script>`

// InjectCheck returns page with CheckScript inserted before </body>.
func InjectCheck(page []byte) []byte {
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return append(append([]byte(nil), page...), CheckScript...)
	}
	out := append([]byte(nil), page[:i]...)
	out = append(out, CheckScript...)
	return append(out, page[i:]...)
}

// Result is what a page load found.
type Result struct {
	DOM        string
	Images     []Image
	TextLength int
	// Viewport is the window's inner width in CSS px; Tables the layout of
	// each table that has an id, by id.
	Viewport int
	Tables   map[string]Table
}

// Table is the layout of one table after load.
type Table struct {
	Right   int // right edge, CSS px from the page's left
	Lines   int // the most lines of text in any body cell (1: one line per row)
	Clipped int // body cells whose content is wider than the cell
}

// Image is one <img> of the page after load.
type Image struct {
	OK    bool
	Width int
	Src   string
}

func args(profile string, extra ...string) []string {
	return append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
	}, extra...)
}

func run(t testing.TB, browser string, a []string) []byte {
	t.Helper()
	// A bound against a hung browser, not a speed check: a loaded two-core CI
	// machine can take a minute to start Chromium and render a page.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, a...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", browser, strings.Join(a, " "), err, lastLines(stderr.String(), 20))
	}
	return stdout.Bytes()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var (
	checkPre   = regexp.MustCompile(`(?s)<pre id="cgx-img-check">(.*?)</pre>`)
	textLength = regexp.MustCompile(`data-text-length="([0-9]+)"`)
	tablesAttr = regexp.MustCompile(`data-tables="([^"]*)"`)
	viewport   = regexp.MustCompile(`data-viewport="([0-9]+)"`)
)

// Load opens url (a page that includes CheckScript) and returns its DOM after
// load and the state of its images.
func Load(t testing.TB, browser, url string) Result {
	t.Helper()
	return load(t, browser, url)
}

// LoadAt is Load in a window width x height CSS px.
func LoadAt(t testing.TB, browser, url string, width, height int) Result {
	t.Helper()
	return load(t, browser, url, windowSize(width, height))
}

// windowSize is Chromium's flag for a width x height CSS px window.
func windowSize(width, height int) string {
	return fmt.Sprintf("--window-size=%d,%d", width, height)
}

func load(t testing.TB, browser, url string, extra ...string) Result {
	t.Helper()
	a := append([]string{"--virtual-time-budget=10000", "--dump-dom"}, extra...)
	dom := string(run(t, browser, args(t.TempDir(), append(a, url)...)))
	m := checkPre.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("%s: the check script did not run; DOM starts:\n%.2000s", url, dom)
	}
	r := Result{DOM: dom, Tables: map[string]Table{}}
	if tl := textLength.FindStringSubmatch(dom); tl != nil {
		r.TextLength, _ = strconv.Atoi(tl[1])
	}
	if v := viewport.FindStringSubmatch(dom); v != nil {
		r.Viewport, _ = strconv.Atoi(v[1])
	}
	if m := tablesAttr.FindStringSubmatch(dom); m != nil && m[1] != "" {
		for _, tb := range strings.Split(html.UnescapeString(m[1]), ";") {
			f := strings.Fields(tb)
			if len(f) != 4 {
				continue
			}
			right, _ := strconv.Atoi(f[1])
			lines, _ := strconv.Atoi(f[2])
			clipped, _ := strconv.Atoi(f[3])
			r.Tables[f[0]] = Table{Right: right, Lines: lines, Clipped: clipped}
		}
	}
	for _, line := range strings.Split(html.UnescapeString(m[1]), "\n") {
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 {
			continue
		}
		w, _ := strconv.Atoi(f[1])
		r.Images = append(r.Images, Image{OK: f[0] == "ok", Width: w, Src: f[2]})
	}
	return r
}

// Screenshot renders url at width x height and returns the decoded image.
func Screenshot(t testing.TB, browser, url string, width, height int) image.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), "shot.png")
	run(t, browser, args(t.TempDir(), "--virtual-time-budget=10000",
		windowSize(width, height), "--screenshot="+out, url))
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("screenshot of %s: %v", url, err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", url, err)
	}
	return img
}

// Ink returns the fraction of pixels that are not near-white and the number
// of distinct colours (quantised to 4 bits per channel) of img.
func Ink(img image.Image) (fraction float64, colours int) {
	b := img.Bounds()
	seen := map[uint32]bool{}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
			seen[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
		}
	}
	return float64(ink) / float64(b.Dx()*b.Dy()), len(seen)
}
