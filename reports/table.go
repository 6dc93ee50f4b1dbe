package reports

import (
	"math"
	"strconv"
)

// ColumnKind says how a column's cells are typed and printed.
type ColumnKind int

// Column kinds.
const (
	Text    ColumnKind = iota // free text
	Int                       // a count, printed without decimals
	Float                     // a number printed with Digits decimals
	Percent                   // a fraction 0..1 printed as a percentage with Digits decimals
)

func (k ColumnKind) String() string {
	switch k {
	case Int:
		return "int"
	case Float:
		return "float"
	case Percent:
		return "fraction"
	default:
		return "text"
	}
}

// Column is one table column. Key is the machine name (CSV header, JSON key),
// Label the human heading.
type Column struct {
	Key    string
	Label  string
	Kind   ColumnKind
	Digits int
}

// Cell is one table value: text for Text columns, a number otherwise. A cell
// that is not Valid is missing (printed as a dash, JSON null).
type Cell struct {
	Text  string
	Num   float64
	Valid bool
	Href  string // a link the HTML format puts on the cell; other formats ignore it
}

// Str returns a text cell.
func Str(s string) Cell { return Cell{Text: s, Valid: true} }

// Num returns a numeric cell; NaN and infinities make a missing cell.
func Num(v float64) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Cell{}
	}
	return Cell{Num: v, Valid: true}
}

// Missing returns a missing cell.
func Missing() Cell { return Cell{} }

// Table is a titled grid of typed cells.
type Table struct {
	Name    string // stable identifier: file stem, --table argument, HTML id
	Title   string
	Notes   []string // definitions and caveats printed under the table
	Columns []Column
	Rows    [][]Cell
}

// text returns the cell as printed in text formats; missing cells give "".
func (c Column) text(cell Cell) string {
	if !cell.Valid {
		return ""
	}
	switch c.Kind {
	case Int:
		return strconv.FormatFloat(cell.Num, 'f', 0, 64)
	case Float:
		return formatFloat(cell.Num, c.Digits)
	case Percent:
		return formatFloat(cell.Num*100, c.Digits) + "%"
	default:
		return cell.Text
	}
}

// formatFloat prints v with digits decimals, never as "-0.000".
func formatFloat(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		zero := true
		for _, r := range s[1:] {
			if r != '0' && r != '.' {
				zero = false
				break
			}
		}
		if zero {
			return s[1:]
		}
	}
	return s
}

// numeric reports whether the column holds numbers (right-aligned).
func (c Column) numeric() bool { return c.Kind != Text }
