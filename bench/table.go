package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// outcome is one scenario's results, by system in kinds order; a nil
// result is a system that was not run or failed.
type outcome struct {
	sc      scenario
	results []*result
}

// value returns figure fi of system si (an index in kinds, -1 for a
// system not there), and whether there is one.
func (o outcome) value(si, fi int) (float64, bool) {
	if si < 0 || si >= len(o.results) || o.results[si] == nil {
		return 0, false
	}
	return o.results[si].values[fi], true
}

// comparisons are the table's advantage columns, each the first system's
// advantage over the second: memkv's Go API against the server and the
// limit, and jetsim over the wire against nats-server over the same kind
// of connection and against the wire limit.
var comparisons = [][2]string{
	{"memkv", "server"},
	{"memkv", "limit"},
	{"wire", "server-inproc"},
	{"wire", "wire-limit"},
}

// ratio is system a's figure fi over system b's (indexes in kinds), and
// whether both are there.
func (o outcome) ratio(a, b, fi int) (float64, bool) {
	x, ok1 := o.value(a, fi)
	y, ok2 := o.value(b, fi)
	if !ok1 || !ok2 || x <= 0 || y <= 0 {
		return 0, false
	}
	return x / y, true
}

// advantage is how many times better system a is than system b on figure
// fi: above 1 a is better.
func (o outcome) advantage(a, b, fi int) (float64, bool) {
	r, ok := o.ratio(a, b, fi)
	if ok && !o.sc.figures[fi].higher {
		r = 1 / r
	}
	return r, ok
}

// advantageCell is advantage as a table cell, "—" when not measured.
func (o outcome) advantageCell(a, b, fi int) string {
	if r, ok := o.advantage(a, b, fi); ok {
		return formatRatio(r)
	}
	return "—"
}

// shownComparisons returns the comparisons whose systems are both in
// kinds, as index pairs.
func shownComparisons() [][2]int {
	var out [][2]int
	for _, c := range comparisons {
		a, b := kindIndex(c[0]), kindIndex(c[1])
		if a >= 0 && b >= 0 {
			out = append(out, [2]int{a, b})
		}
	}
	return out
}

// writeTable writes the outcomes as an aligned Markdown table: each
// system's figure, then the advantage of each comparison.
func writeTable(w io.Writer, outcomes []outcome) error {
	header := []string{"scenario"}
	for _, k := range kinds {
		header = append(header, k.name)
	}
	cmps := shownComparisons()
	for _, c := range cmps {
		header = append(header, kinds[c[0]].name+" vs "+kinds[c[1]].name)
	}
	rows := [][]string{header}
	for _, o := range outcomes {
		for fi, f := range o.sc.figures {
			row := []string{rowName(o.sc, f)}
			for si := range kinds {
				cell := "—"
				if v, ok := o.value(si, fi); ok {
					cell = formatValue(v, f.unit)
				}
				row = append(row, cell)
			}
			for _, c := range cmps {
				row = append(row, o.advantageCell(c[0], c[1], fi))
			}
			rows = append(rows, row)
		}
	}
	if _, err := io.WriteString(w, markdownTable(rows)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\nThe \"a vs b\" columns are a's advantage over b (above 1× a is better): b's time over a's, or a's rate over b's. "+
		"— is a system not run, failed, or not serving the scenario.\n")
	return err
}

// markdownTable aligns rows, the first being the header, as a Markdown
// table: the first column left, the others right.
func markdownTable(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for ri, r := range rows {
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i == 0 {
				fmt.Fprintf(&b, "| %s%s ", c, pad)
			} else {
				fmt.Fprintf(&b, "| %s%s ", pad, c)
			}
		}
		b.WriteString("|\n")
		if ri == 0 {
			for i, wd := range widths {
				if i == 0 {
					fmt.Fprintf(&b, "|%s", strings.Repeat("-", wd+2))
				} else {
					fmt.Fprintf(&b, "|%s:", strings.Repeat("-", wd+1))
				}
			}
			b.WriteString("|\n")
		}
	}
	return b.String()
}

func rowName(sc scenario, f figure) string {
	if f.label == "" {
		return sc.name
	}
	return sc.name + " " + f.label
}

// formatValue writes v in its unit with three significant digits.
func formatValue(v float64, unit string) string {
	switch unit {
	case "ns/op", "ns":
		return formatDuration(v)
	case "B/key":
		return fmt.Sprintf("%.0f B/key", v)
	}
	return formatSI(v) + strings.TrimPrefix(unit, strings.SplitN(unit, "/", 2)[0])
}

func formatDuration(ns float64) string {
	switch {
	case ns < 1e3:
		return sig3(ns) + " ns"
	case ns < 1e6:
		return sig3(ns/1e3) + " µs"
	case ns < 1e9:
		return sig3(ns/1e6) + " ms"
	}
	return sig3(ns/1e9) + " s"
}

func formatSI(v float64) string {
	switch {
	case v >= 1e9:
		return sig3(v/1e9) + " G"
	case v >= 1e6:
		return sig3(v/1e6) + " M"
	case v >= 1e3:
		return sig3(v/1e3) + " k"
	}
	return sig3(v) + " "
}

// sig3 formats v with three significant digits, without exponent.
func sig3(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func formatRatio(a float64) string { return sig3(a) + "×" }
