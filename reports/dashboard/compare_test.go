package dashboard

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/reports/reporttest"
	"github.com/cgx-dev/cgx/tracker"
)

// fakeSettings stands in for experiments.ResolvedSettings: run 1 used 128
// images, the others 600; a run without a spec fails.
func fakeSettings(run tracker.Run) (map[string]string, error) {
	if run.ID == 3 {
		return nil, errors.New("no spec recorded")
	}
	m := map[string]string{"datasets.cg.count": "600", "style.steps": "300", "profile": run.Profile, "seed": "1"}
	if run.ID == reporttest.DemoRunID {
		m["datasets.cg.count"] = "128"
	}
	return m, nil
}

// rowOf returns the <tr> of the compare table whose key cell is key.
func rowOf(body, key string) string {
	re := regexp.MustCompile(`<tr[^>]*><td class="mono">` + regexp.QuoteMeta(key) + `</td>.*?</tr>`)
	return re.FindString(body)
}

func TestComparePage(t *testing.T) {
	store := reporttest.Demo()
	c := &counting{src: store}
	srv := New(c.open, WithSettings(fakeSettings))
	rec := get(t, srv, "GET", "/compare?run=1&run=2")
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("status %d\n%.800s", rec.Code, body)
	}
	for key, want := range map[string]string{
		"datasets.cg.count":                    `<tr class="differs"><td class="mono">datasets.cg.count</td><td class="val">128</td><td class="val">600</td></tr>`,
		"style.steps":                          `<tr><td class="mono">style.steps</td><td class="val">300</td><td class="val">300</td></tr>`,
		"search/exp2/round-1/best_loss":        `<tr class="differs"><td class="mono">search/exp2/round-1/best_loss</td><td class="val">0.4121</td><td class="val">–</td></tr>`,
		"status":                               `<tr class="differs"><td class="mono">status</td><td class="val">succeeded</td><td class="val">running</td></tr>`,
		"fit/brightness-contrast/cg-to-real/x": `class="differs"`,
	} {
		if got := rowOf(body, key); !strings.Contains(got, want) {
			t.Errorf("row %s = %q, want %q", key, got, want)
		}
	}
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("the hostile run's name is not escaped")
	}
	if !strings.Contains(body, `src="/compare/figures/curves-compare.png?run=1&amp;run=2"`) || !strings.Contains(body, `src="/compare/figures/epochs-compare.png?run=1&amp;run=2"`) {
		t.Errorf("no overlaid curves figure")
	}
	// Differences only drops equal rows.
	only := get(t, srv, "GET", "/compare?run=1&run=2&only=diff").Body.String()
	if rowOf(only, "style.steps") != "" || rowOf(only, "datasets.cg.count") == "" {
		t.Error("only=diff keeps an equal row or drops a differing one")
	}
	fig := get(t, srv, "GET", "/compare/figures/curves-compare.png?run=1&run=2")
	if fig.Code != 200 || !strings.HasPrefix(fig.Body.String(), "\x89PNG") {
		t.Errorf("curves figure: %d", fig.Code)
	}
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/compare?run=1", 400, "Compare needs 2 to 8 different runs"},
		{"/compare?run=1&run=1", 400, "not 1"},
		{"/compare?run=1&run=x", 400, "is not a run id"},
		{"/compare?run=1&run=9", 404, "There is no run 9"},
		{"/compare/figures/nope.png?run=1&run=2", 404, "no figure"},
		{"/compare/figures/curves-compare.gif?run=1&run=2", 404, ""},
	} {
		rec := get(t, srv, "GET", tc.path)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: status %d, want %d with %q\n%.400s", tc.path, rec.Code, tc.status, tc.want, rec.Body.String())
		}
	}
	// Without a resolver the page says settings are not compared.
	plain, _, _ := newDemoServer(t)
	if b := get(t, plain, "GET", "/compare?run=1,2").Body.String(); !strings.Contains(b, "Settings are not compared") {
		t.Error("no note about unresolved settings")
	}
	if c.opens.Load() != c.releases.Load() {
		t.Errorf("%d opens, %d releases", c.opens.Load(), c.releases.Load())
	}
}

func TestRunsFilterAndMetricColumns(t *testing.T) {
	srv, _, _ := newDemoServer(t)
	for _, tc := range []struct {
		path          string
		want, notWant []string
	}{
		{"/", []string{`name="run" value="1"`, `name="run" value="2"`, `title="discriminator/content/accuracy"`, "search/exp2/round-1/best_loss", `<td class="num">0.4121</td>`, `action="/compare"`}, nil},
		{"/?status=running", []string{`name="run" value="2"`, "1 of 2 runs"}, []string{`name="run" value="1"`}},
		{"/?spec=demo", []string{`name="run" value="1"`, "<option selected>demo</option>"}, []string{`name="run" value="2"`}},
		{"/?q=DEM", []string{`name="run" value="1"`}, []string{`name="run" value="2"`}},
		{"/?tag=nope", []string{"No run matches the filter"}, []string{`name="run" value=`}},
		{"/?metric=segmentation/proposal-1/AP", []string{`title="segmentation/proposal-1/AP"`, `<td class="num">0.425</td>`, "chosen with"}, []string{`title="discriminator/content/accuracy"`}},
	} {
		rec := get(t, srv, "GET", tc.path)
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("%s: status %d", tc.path, rec.Code)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body lacks %q", tc.path, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s: body has %q", tc.path, w)
			}
		}
	}
	if rec := get(t, srv, "GET", "/?metric=a&metric=b&metric=c&metric=d&metric=e&metric=f&metric=g"); rec.Code != 400 {
		t.Errorf("7 metric columns: status %d, want 400", rec.Code)
	}
}

func TestStudyContourOfChosenPair(t *testing.T) {
	srv, _, _ := newDemoServer(t)
	page := get(t, srv, "GET", "/studies/8").Body.String()
	if !strings.Contains(page, `<select name="x">`) || !strings.Contains(page, "<option>rot_z</option>") {
		t.Fatalf("no pair form on a content study page")
	}
	page = get(t, srv, "GET", "/studies/8?x=pos_x&y=rot_z").Body.String()
	if !strings.Contains(page, `src="/studies/8/figures/contour.png?x=pos_x&amp;y=rot_z"`) || !strings.Contains(page, "<option selected>rot_z</option>") {
		t.Errorf("chosen pair not drawn:\n%.2000s", page)
	}
	if rec := get(t, srv, "GET", "/studies/8/figures/contour.svg?x=pos_x&y=rot_z"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Loss over pos_x and rot_z") {
		t.Errorf("contour svg: %d", rec.Code)
	}
	if rec := get(t, srv, "GET", "/studies/8/figures/contour.png?x=pos_x&y=nope"); rec.Code != 404 {
		t.Errorf("unknown parameter: %d, want 404", rec.Code)
	}
	if p := get(t, srv, "GET", "/studies/8?x=pos_x&y=pos_x").Body.String(); !strings.Contains(p, "pick two different parameters") {
		t.Error("same parameter twice not explained")
	}
	if p := get(t, srv, "GET", "/studies/1").Body.String(); strings.Contains(p, `<select name="x">`) {
		t.Error("a style study offers a contour pair")
	}
}

func TestTrialPage(t *testing.T) {
	srv, _, store := newDemoServer(t)
	png := firstResult(t, store)
	page := get(t, srv, "GET", "/studies/1/trials/0")
	body := page.Body.String()
	if page.Code != 200 {
		t.Fatalf("status %d\n%.500s", page.Code, body)
	}
	for _, want := range []string{`<img src="/artifacts/` + png + `"`, "after (result)", "before (source image)", `src="/studies/1/trials/0/figures/curve.png"`,
		`<td class="mono">brightness_g</td>`, `href="/studies/1/trials/1">next trial`, `href="/studies/1">`} {
		if !strings.Contains(body, want) {
			t.Errorf("trial page lacks %q", want)
		}
	}
	if r, g := strings.Index(body, ">brightness_r<"), strings.Index(body, ">brightness_g<"); r < 0 || g < r {
		t.Error("channels not in r, g, b order")
	}
	if strings.Contains(body, "previous trial") {
		t.Error("trial 0 links a previous trial")
	}
	if b := get(t, srv, "GET", "/studies/1").Body.String(); !strings.Contains(b, `<a href="/studies/1/trials/0">0</a>`) {
		t.Error("the trial table does not link the trial page")
	}
	if rec := get(t, srv, "GET", "/studies/1/trials/0/figures/curve.png"); rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "\x89PNG") {
		t.Errorf("curve figure: %d", rec.Code)
	}
	// All 128 parameters of a patch fit are on its trial page.
	if b := get(t, srv, "GET", "/studies/3/trials/0").Body.String(); strings.Count(b, `<td class="mono">`) != 128 {
		t.Errorf("patch trial page shows %d parameters, want 128", strings.Count(b, `<td class="mono">`))
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/studies/1/trials/9999", 404}, {"/studies/1/trials/-1", 404}, {"/studies/1/trials/01", 404}, {"/studies/1/trials/x", 404},
		{"/studies/999/trials/0", 404}, {"/studies/1/trials/0/figures/other.png", 404}, {"/studies/8/trials/0/figures/curve.png", 404},
		{"/studies/8/trials/0", 200}, {"/studies/17/trials/0", 200},
	} {
		if rec := get(t, srv, "GET", tc.path); rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, rec.Code, tc.status)
		}
	}
	if b := get(t, srv, "GET", "/studies/17/trials/0").Body.String(); strings.Contains(b, "<script>alert") {
		t.Error("hostile trial not escaped")
	}
}

// Pages of a run that is still writing reload themselves; finished runs'
// pages do not.
func TestLivePagesRefresh(t *testing.T) {
	srv, _, _ := newDemoServer(t)
	const meta = `<meta http-equiv="refresh" content="15">`
	for path, live := range map[string]bool{
		"/runs/2": true, "/runs/1": false, "/": true, "/?status=succeeded": false,
		"/studies/17": true, "/studies/1": false, "/studies/17/trials/0": true, "/studies/1/trials/0": false,
	} {
		if got := strings.Contains(get(t, srv, "GET", path).Body.String(), meta); got != live {
			t.Errorf("%s: refresh %v, want %v", path, got, live)
		}
	}
}
