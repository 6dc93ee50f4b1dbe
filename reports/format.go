package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// Table formats.
const (
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatTeX      = "tex"
	FormatJSON     = "json"
	FormatHTML     = "html"
)

// Formats lists the table formats, in the order the CLI documents them.
var formats = []string{FormatMarkdown, FormatCSV, FormatTeX, FormatJSON, FormatHTML}

// Formats returns the table format names.
func Formats() []string { return append([]string(nil), formats...) }

// missingDash is how text formats show a missing cell.
const missingDash = "–"

// WriteTables writes tables in format. Markdown, LaTeX and HTML concatenate
// them; JSON writes an array of table objects; CSV holds exactly one table and
// fails with ErrOneTable otherwise.
func WriteTables(w io.Writer, format string, tables []Table) error {
	switch format {
	case FormatCSV:
		if len(tables) != 1 {
			names := make([]string, len(tables))
			for i, t := range tables {
				names[i] = t.Name
			}
			return fmt.Errorf("write csv: %w: choose one with --table (tables: %s)", ErrOneTable, strings.Join(names, ", "))
		}
		return tables[0].Write(w, format)
	case FormatJSON:
		var b bytes.Buffer
		b.WriteString("[")
		for i, t := range tables {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n")
			if err := t.writeJSON(&b, "  "); err != nil {
				return err
			}
		}
		if len(tables) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("]\n")
		_, err := w.Write(b.Bytes())
		return err
	case FormatMarkdown, FormatTeX, FormatHTML:
		for i, t := range tables {
			if i > 0 {
				if _, err := io.WriteString(w, "\n"); err != nil {
					return err
				}
			}
			if err := t.Write(w, format); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("write tables: %w %q (want one of %s)", ErrFormat, format, strings.Join(formats, ", "))
	}
}

// Write writes t in format (see Formats).
func (t Table) Write(w io.Writer, format string) error {
	var b bytes.Buffer
	var err error
	switch format {
	case FormatMarkdown:
		t.writeMarkdown(&b)
	case FormatCSV:
		err = t.writeCSV(&b)
	case FormatTeX:
		t.writeTeX(&b)
	case FormatJSON:
		err = t.writeJSON(&b, "")
		b.WriteString("\n")
	case FormatHTML:
		err = t.writeHTML(&b)
	default:
		return fmt.Errorf("write table %s: %w %q (want one of %s)", t.Name, ErrFormat, format, strings.Join(formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("write table %s as %s: %w", t.Name, format, err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

func (t Table) cellText(c int, cell Cell, missing string) string {
	if !cell.Valid {
		return missing
	}
	return t.Columns[c].text(cell)
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

func (t Table) writeMarkdown(b *bytes.Buffer) {
	fmt.Fprintf(b, "### %s\n\n|", mdEscape(t.Title))
	for _, c := range t.Columns {
		fmt.Fprintf(b, " %s |", mdEscape(c.Label))
	}
	b.WriteString("\n|")
	for _, c := range t.Columns {
		if c.numeric() {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteString("\n")
	for _, row := range t.Rows {
		b.WriteString("|")
		for i, cell := range row {
			fmt.Fprintf(b, " %s |", mdEscape(t.cellText(i, cell, missingDash)))
		}
		b.WriteString("\n")
	}
	for _, n := range t.Notes {
		fmt.Fprintf(b, "\n%s\n", mdEscape(n))
	}
}

// csvSafe defuses text that spreadsheets would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (t Table) writeCSV(b *bytes.Buffer) error {
	cw := csv.NewWriter(b)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Key
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, cell := range row {
			if t.Columns[i].Kind == Text {
				rec[i] = csvSafe(cell.Text)
			} else if cell.Valid {
				// CSV keeps full precision; fractions stay fractions.
				rec[i] = strconv.FormatFloat(cell.Num, 'g', -1, 64)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

var texReplacer = strings.NewReplacer(
	`\`, `\textbackslash{}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`, `_`, `\_`,
	`{`, `\{`, `}`, `\}`, `~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`, "\n", " ",
)

func texEscape(s string) string { return texReplacer.Replace(s) }

func (t Table) writeTeX(b *bytes.Buffer) {
	spec := make([]byte, len(t.Columns))
	for i, c := range t.Columns {
		spec[i] = 'l'
		if c.numeric() {
			spec[i] = 'r'
		}
	}
	fmt.Fprintf(b, "%% %s (requires \\usepackage{booktabs})\n", texEscape(t.Name))
	b.WriteString("\\begin{table}[ht]\n\\centering\n")
	fmt.Fprintf(b, "\\caption{%s}\n\\label{tab:%s}\n", texEscape(t.Title), texEscape(t.Name))
	fmt.Fprintf(b, "\\begin{tabular}{%s}\n\\toprule\n", spec)
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteString(texEscape(c.Label))
	}
	b.WriteString(" \\\\\n\\midrule\n")
	for _, row := range t.Rows {
		for i, cell := range row {
			if i > 0 {
				b.WriteString(" & ")
			}
			b.WriteString(texEscape(t.cellText(i, cell, "--")))
		}
		b.WriteString(" \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	for _, n := range t.Notes {
		fmt.Fprintf(b, "\\par\\footnotesize %s\n", texEscape(strings.Join(strings.Fields(n), " ")))
	}
	b.WriteString("\\end{table}\n")
}

// writeJSON writes one table object with rows as objects whose keys keep the
// column order; numbers keep full precision, missing cells are null.
func (t Table) writeJSON(b *bytes.Buffer, indent string) error {
	enc := func(v any) string {
		raw, err := json.Marshal(v)
		if err != nil {
			return "null"
		}
		return string(raw)
	}
	type col struct {
		Key   string `json:"key"`
		Label string `json:"label"`
		Kind  string `json:"kind"`
	}
	cols := make([]col, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = col{c.Key, c.Label, c.Kind.String()}
	}
	notes := t.Notes
	if notes == nil {
		notes = []string{}
	}
	in := indent + "  "
	fmt.Fprintf(b, "%s{\n%s\"name\": %s,\n%s\"title\": %s,\n%s\"notes\": %s,\n%s\"columns\": %s,\n%s\"rows\": [",
		indent, in, enc(t.Name), in, enc(t.Title), in, enc(notes), in, enc(cols), in)
	for r, row := range t.Rows {
		if r > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, "\n%s  {", in)
		for i, cell := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			var v string
			switch {
			case !cell.Valid && t.Columns[i].Kind != Text:
				v = "null"
			case t.Columns[i].Kind == Text:
				v = enc(cell.Text)
			default:
				v = strconv.FormatFloat(cell.Num, 'g', -1, 64)
			}
			fmt.Fprintf(b, "%s: %s", enc(t.Columns[i].Key), v)
		}
		b.WriteString("}")
	}
	if len(t.Rows) > 0 {
		fmt.Fprintf(b, "\n%s", in)
	}
	fmt.Fprintf(b, "]\n%s}", indent)
	return nil
}

var tableHTML = template.Must(template.New("table").Parse(`<table class="cgx-table" id="table-{{.Name}}">
<caption>{{.Title}}</caption>
<thead><tr>{{range .Head}}<th{{if .Num}} class="num"{{end}} scope="col">{{.Text}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Num}} class="num"{{end}}{{if .Sort}} data-value="{{.Sort}}"{{end}}>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}`))

type htmlCell struct {
	Text string
	Sort string
	Href string
	Num  bool
}

func (t Table) writeHTML(b *bytes.Buffer) error {
	head := make([]htmlCell, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = htmlCell{Text: c.Label, Num: c.numeric()}
	}
	rows := make([][]htmlCell, len(t.Rows))
	for r, row := range t.Rows {
		rows[r] = make([]htmlCell, len(row))
		for i, cell := range row {
			hc := htmlCell{Text: t.cellText(i, cell, missingDash), Num: t.Columns[i].numeric(), Href: cell.Href}
			if hc.Num && cell.Valid {
				hc.Sort = strconv.FormatFloat(cell.Num, 'g', -1, 64)
			}
			rows[r][i] = hc
		}
	}
	return tableHTML.Execute(b, struct {
		Name, Title string
		Head        []htmlCell
		Rows        [][]htmlCell
		Notes       []string
	}{t.Name, t.Title, head, rows, t.Notes})
}
