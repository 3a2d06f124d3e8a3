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

// ratio is memkv's figure fi over system si's, and whether both are
// there.
func (o outcome) ratio(si, fi int) (float64, bool) {
	m, ok1 := o.value(memkvKind, fi)
	v, ok2 := o.value(si, fi)
	if !ok1 || !ok2 || m <= 0 || v <= 0 {
		return 0, false
	}
	return m / v, true
}

// advantage is how many times better memkv is than system si on figure
// fi: above 1 memkv is better.
func (o outcome) advantage(si, fi int) (float64, bool) {
	r, ok := o.ratio(si, fi)
	if ok && !o.sc.figures[fi].higher {
		r = 1 / r
	}
	return r, ok
}

// advantageCell is advantage as a table cell, "—" when not measured.
func (o outcome) advantageCell(si, fi int) string {
	if a, ok := o.advantage(si, fi); ok {
		return formatRatio(a)
	}
	return "—"
}

// writeTable writes the outcomes as an aligned Markdown table: each
// system's figure, then memkv's advantage over each other system.
func writeTable(w io.Writer, outcomes []outcome) error {
	header := []string{"scenario"}
	for _, k := range kinds {
		header = append(header, k.name)
	}
	for si, k := range kinds {
		if si != memkvKind {
			header = append(header, "memkv vs "+k.name)
		}
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
			for si := range kinds {
				if si != memkvKind {
					row = append(row, o.advantageCell(si, fi))
				}
			}
			rows = append(rows, row)
		}
	}
	if _, err := io.WriteString(w, markdownTable(rows)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\nRatios are memkv's advantage (above 1× memkv is better): the other's time over memkv's, or memkv's rate over the other's.\n")
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
