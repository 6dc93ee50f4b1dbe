package experiments

import "strings"

// keyLines maps each dotted key path of a TOML document ("style.steps",
// "profiles.smoke.datasets.cg.count") to the 1-based line that first defines
// it (for a table, its first header or dotted key, parents included), so
// errors found after decoding can point at file:line. It understands table
// headers, dotted and quoted keys and multi-line strings; keys inside inline
// tables map to the line of the inline table's key.
func keyLines(text string) map[string]int {
	lines := map[string]int{}
	var table []string
	inMultiline := "" // the open delimiter of a multi-line string, if any
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		line := raw
		if inMultiline != "" {
			idx := strings.Index(line, inMultiline)
			if idx < 0 {
				continue
			}
			line = line[idx+len(inMultiline):]
			inMultiline = ""
			if strings.Contains(line, `"""`) || strings.Contains(line, "'''") {
				continue
			}
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if t[0] == '[' {
			inner := strings.TrimPrefix(strings.TrimPrefix(t, "["), "[")
			end := closingBracket(inner)
			table = splitKey(inner[:end])
			// The header defines its parent tables too, where nothing did before.
			for j := range table {
				p := strings.Join(table[:j+1], ".")
				if _, ok := lines[p]; !ok {
					lines[p] = n
				}
			}
			continue
		}
		eq := equalsOutsideQuotes(t)
		if eq < 0 {
			continue
		}
		key := splitKey(t[:eq])
		full := append(append([]string{}, table...), key...)
		for j := range full {
			p := strings.Join(full[:j+1], ".")
			if _, ok := lines[p]; !ok {
				lines[p] = n
			}
		}
		value := strings.TrimSpace(t[eq+1:])
		for _, d := range []string{`"""`, "'''"} {
			if strings.HasPrefix(value, d) && !strings.Contains(value[len(d):], d) {
				inMultiline = d
			}
		}
	}
	return lines
}

// closingBracket returns the index of the first ']' outside quotes in s, or len(s).
func closingBracket(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == ']':
			return i
		}
	}
	return len(s)
}

// equalsOutsideQuotes returns the index of the first '=' outside quotes, or -1.
func equalsOutsideQuotes(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return i
		}
	}
	return -1
}

// splitKey splits a dotted TOML key into its parts, unquoting quoted parts.
func splitKey(s string) []string {
	var parts []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}
