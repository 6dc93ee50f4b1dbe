package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/reports/reporttest"
)

func loadDemo(t testing.TB) *RunData {
	t.Helper()
	rd, err := LoadRun(context.Background(), reporttest.Demo(), reporttest.DemoRunID)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

var formatExt = map[string]string{FormatMarkdown: "md", FormatCSV: "csv", FormatTeX: "tex", FormatJSON: "json", FormatHTML: "html"}

// recoveryOnly names the tables that the demo run leaves empty and the
// Recovery fixture fills; their golden files come from Recovery.
var recoveryOnly = map[string]bool{TableRounds: true, TableDistributions: true}

func loadRecovery(t testing.TB) *RunData {
	t.Helper()
	rd, err := LoadRun(context.Background(), reporttest.Recovery(), reporttest.RecoveryRunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rd.Warnings) > 0 {
		t.Errorf("warnings: %q", rd.Warnings)
	}
	return rd
}

func TestTablesGolden(t *testing.T) {
	rd := loadDemo(t)
	rec := loadRecovery(t)
	for _, name := range TableNames() {
		src := rd
		if recoveryOnly[name] {
			src = rec
		}
		tab, err := src.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(tab.Rows) == 0 {
			t.Errorf("table %s has no rows for the fixture run", name)
		}
		for _, format := range Formats() {
			t.Run(name+"."+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := tab.Write(&b, format); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, "tables/"+name+"."+formatExt[format], b.Bytes())
			})
		}
	}
}

// cell finds the row whose first columns equal key and returns the cell of
// column col.
func cell(t *testing.T, tab Table, col string, key ...string) Cell {
	t.Helper()
	ci := -1
	for i, c := range tab.Columns {
		if c.Key == col {
			ci = i
		}
	}
	if ci < 0 {
		t.Fatalf("table %s has no column %s", tab.Name, col)
	}
rows:
	for _, row := range tab.Rows {
		for i, k := range key {
			if tab.Columns[i].text(row[i]) != k {
				continue rows
			}
		}
		return row[ci]
	}
	t.Fatalf("table %s has no row %v", tab.Name, key)
	return Cell{}
}

func TestTableValues(t *testing.T) {
	rd := loadDemo(t)
	get := func(name string) Table {
		tab, err := rd.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	tests := []struct {
		name  string
		table string
		key   []string
		col   string
		want  float64
	}{
		{"relative stage metric merged", TableDiscriminator, []string{"style"}, "accuracy", 0.997},
		{"run metric", TableDiscriminator, []string{"content"}, "accuracy", 1},
		{"style images from trials", TableStyle, []string{"brightness-contrast", "cg-to-real", "1"}, "images", 60},
		{"metrics-only fit", TableStyle, []string{"hsv", "cg-to-real", "1"}, "images", 50},
		{"metrics-only fit succeeded", TableStyle, []string{"hsv", "cg-to-real", "1"}, "succeeded", 10},
		{"AP", TableSegmentation, []string{"proposal-1"}, "AP75", 0.447},
		{"seeds per sampler", TableSamplers, []string{"exp2.1", "1", "cmaes"}, "seeds", 3},
		{"failed trial not counted", TableSamplers, []string{"exp2.1", "1", "random"}, "trials", 74},
		{"running trial not counted", TableSamplers, []string{"exp2.1", "2", "cmaes"}, "trials", 15},
		{"round pools samplers", TableContent, []string{"exp2.1", "1"}, "studies", 9},
		{"study found by attribute", TableContent, []string{"exp2.1", "2"}, "studies", 3},
		{"metrics-only round", TableContent, []string{"exp2", "1"}, "trials", 100},
		{"planted", TableRecovery, []string{"brightness-contrast cg-to-real", "1", "brightness_g"}, "planted", -0.08},
		{"per-image right sign", TableRecovery, []string{"brightness-contrast real-to-cg", "1", "brightness_g"}, "right_sign", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cell(t, get(tc.table), tc.col, tc.key...)
			if !c.Valid || math.Abs(c.Num-tc.want) > 1e-9 {
				t.Errorf("got %+v, want %v", c, tc.want)
			}
		})
	}

	// The green channel's contrast is fitted negative and agrees with the plant.
	rec := get(TableRecovery)
	if got := cell(t, rec, "sign_agrees", "brightness-contrast cg-to-real", "1", "contrast_g").Text; got != "yes" {
		t.Errorf("contrast_g sign agrees = %q, want yes", got)
	}
	if got := cell(t, rec, "sign_agrees", "brightness-contrast cg-to-real", "1", "brightness_r").Text; got != "n/a" {
		t.Errorf("brightness_r (planted 0) sign agrees = %q, want n/a", got)
	}
	if c := cell(t, rec, "r", "brightness-contrast cg-to-real", "1", "brightness_g"); c.Valid {
		t.Errorf("per-image r without per-image planted values = %v, want missing", c.Num)
	}
	if c := cell(t, rec, "r", "brightness-contrast real-to-cg", "1", "contrast_g"); !c.Valid || c.Num < 0.9 {
		t.Errorf("per-image r = %+v, want > 0.9 (fits recover 80%% of each image's gap)", c)
	}
	// CMA-ES reaches the 0.5-confidence point on every seed, random on none.
	sam := get(TableSamplers)
	if c := cell(t, sam, "seeds_reaching", "exp2.1", "1", "cmaes"); c.Num != 3 {
		t.Errorf("cmaes seeds reaching = %v, want 3", c.Num)
	}
	if c := cell(t, sam, "trials_to_threshold", "exp2.1", "1", "random"); c.Valid {
		t.Errorf("random trials to threshold = %v, want missing (never reached)", c.Num)
	}
}

func TestTableUnknown(t *testing.T) {
	rd := loadDemo(t)
	if _, err := rd.Table("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	var b bytes.Buffer
	if err := WriteTables(&b, "xml", rd.Tables()); !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
	if err := WriteTables(&b, FormatCSV, rd.Tables()); !errors.Is(err, ErrOneTable) {
		t.Fatalf("err = %v, want ErrOneTable", err)
	}
}

func TestWriteTablesJSONParses(t *testing.T) {
	rd := loadDemo(t)
	var b bytes.Buffer
	if err := WriteTables(&b, FormatJSON, rd.Tables()); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Name string           `json:"name"`
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("JSON does not parse: %v\n%s", err, b.String())
	}
	var names, want []string
	for _, g := range got {
		names = append(names, g.Name)
	}
	for _, n := range TableNames() {
		if !recoveryOnly[n] {
			want = append(want, n)
		}
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("table names (-want +got):\n%s", diff)
	}
}

func TestTableEscaping(t *testing.T) {
	tab := Table{
		Name: "esc", Title: `a|b <i> & 50% _x_ {y}`,
		Columns: []Column{{Key: "k", Label: "l|<b>"}, {Key: "v", Label: "v", Kind: Float, Digits: 2}},
		Rows:    [][]Cell{{Str("=cmd|x<script>&\\"), Num(-0.0001)}, {Str("line\nbreak"), Missing()}},
	}
	tests := []struct {
		format  string
		want    []string
		notWant []string
	}{
		{FormatMarkdown, []string{`a\|b`, `=cmd\|x<script>&\\`, "| 0.00 |", "| line break |", "| – |"}, []string{"-0.00"}},
		{FormatCSV, []string{`'=cmd|x<script>&\`, `"line` + "\n" + `break",`}, nil},
		{FormatTeX, []string{`50\%`, `\_x\_`, `\{y\}`, `\textbackslash{}`, "line break & --"}, []string{"<script>&"}},
		{FormatHTML, []string{"&lt;script&gt;", "l|&lt;b&gt;", "&lt;i&gt; &amp; 50%"}, []string{"<script>", "<i>"}},
		{FormatJSON, []string{`"v": null`, `\u003cscript\u003e`}, []string{"<script>"}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := tab.Write(&b, tc.format); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("output contains %q:\n%s", w, b.String())
				}
			}
		})
	}
}
