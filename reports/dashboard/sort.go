package dashboard

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// sortKey is one row's value in the sorted column: a number (NaN when
// missing) or, for text columns, a string.
type sortKey struct {
	num  float64
	text string
}

// column is a sortable table column.
type column struct {
	key     string // the ?sort= value
	label   string
	text    bool // compare text, not numbers
	numeric bool // right-align
}

// header is a column heading with the link that sorts by it.
type header struct {
	Label string
	Href  string
	Arrow string
	Num   bool
}

// sortSpec is a parsed ?sort=&order= pair.
type sortSpec struct {
	key  string
	desc bool
}

// parseSort reads ?sort= and ?order= against the allowed columns; an
// unknown column or order is a 400.
func parseSort(q url.Values, cols []column, def string) (sortSpec, error) {
	sp := sortSpec{key: def}
	if k := q.Get("sort"); k != "" {
		ok := false
		for _, c := range cols {
			if c.key == k {
				ok = true
				break
			}
		}
		if !ok {
			keys := make([]string, len(cols))
			for i, c := range cols {
				keys[i] = c.key
			}
			return sp, statusError(http.StatusBadRequest, "Cannot sort by %q; sort by one of: %s.", k, strings.Join(keys, ", "))
		}
		sp.key = k
	}
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		sp.desc = true
	default:
		return sp, statusError(http.StatusBadRequest, "Order %q is neither asc nor desc.", q.Get("order"))
	}
	return sp, nil
}

// headers builds the column headings of a table sorted by sp: clicking the
// sorted column flips its order.
func headers(path string, cols []column, sp sortSpec) []header {
	out := make([]header, len(cols))
	for i, c := range cols {
		q := url.Values{"sort": {c.key}}
		h := header{Label: c.label, Num: c.numeric}
		if c.key == sp.key {
			if sp.desc {
				h.Arrow = " ▼"
			} else {
				h.Arrow = " ▲"
				q.Set("order", "desc")
			}
		}
		h.Href = path + "?" + q.Encode()
		out[i] = h
	}
	return out
}

// sortRows orders n rows by key(i), missing values (NaN) last in either
// order, ties by original position.
func sortRows(n int, text bool, desc bool, key func(i int) sortKey, swap func(perm []int)) {
	perm := make([]int, n)
	keys := make([]sortKey, n)
	for i := range perm {
		perm[i] = i
		keys[i] = key(i)
	}
	sort.SliceStable(perm, func(a, b int) bool {
		ka, kb := keys[perm[a]], keys[perm[b]]
		if text {
			if desc {
				return ka.text > kb.text
			}
			return ka.text < kb.text
		}
		na, nb := math.IsNaN(ka.num), math.IsNaN(kb.num)
		if na || nb {
			return !na && nb
		}
		if desc {
			return ka.num > kb.num
		}
		return ka.num < kb.num
	})
	swap(perm)
}

// permute returns rows reordered by perm.
func permute[T any](rows []T, perm []int) []T {
	out := make([]T, len(rows))
	for i, p := range perm {
		out[i] = rows[p]
	}
	return out
}
