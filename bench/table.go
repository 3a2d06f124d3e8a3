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

// value returns figure fi of system si, and whether there is one.
func (o outcome) value(si, fi int) (float64, bool) {
	if si >= len(o.results) || o.results[si] == nil {
		return 0, false
	}
	return o.results[si].values[fi], true
}

// advantage is how many times better memkv is than system si on figure
// fi: above 1 memkv is better.
func (o outcome) advantage(si, fi int) (float64, bool) {
	m, ok1 := o.value(0, fi)
	v, ok2 := o.value(si, fi)
	if !ok1 || !ok2 || m <= 0 || v <= 0 {
		return 0, false
	}
	if o.sc.figures[fi].higher {
		return m / v, true
	}
	return v / m, true
}

// writeTable writes the outcomes as an aligned Markdown table.
func writeTable(w io.Writer, outcomes []outcome) error {
	rows := [][]string{{"scenario", "memkv", "server", "limit", "memkv vs server", "memkv vs limit"}}
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
			for _, si := range []int{1, 2} {
				cell := "—"
				if a, ok := o.advantage(si, fi); ok {
					cell = formatRatio(a)
				}
				row = append(row, cell)
			}
			rows = append(rows, row)
		}
	}
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
	b.WriteString("\nRatios are memkv's advantage (above 1× memkv is better): the other's time over memkv's, or memkv's rate over the other's.\n")
	_, err := io.WriteString(w, b.String())
	return err
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

// A target is a goal of the issue: memkv at least min times better than
// the server on one figure.
type target struct {
	scenario string
	figure   int
	min      float64
}

var targets = []target{
	{"Put", 0, 100},
	{"Get", 0, 500},
	{"FanOut/all/W=100", 0, 30},
	{"FanOut/own/W=100", 0, 30},
	{"FanOut/all/W=1000", 0, 30},
	{"FanOut/own/W=1000", 0, 30},
}

// writeTargets writes whether each target among the outcomes is met, and
// returns the number missed.
func writeTargets(w io.Writer, outcomes []outcome) (missed int, err error) {
	var b strings.Builder
	b.WriteString("Targets (memkv vs server):\n\n")
	for _, t := range targets {
		for _, o := range outcomes {
			if o.sc.name != t.scenario {
				continue
			}
			a, ok := o.advantage(1, t.figure)
			verdict := "met"
			switch {
			case !ok:
				verdict = "not measured"
			case a < t.min:
				verdict = "MISSED"
				missed++
			}
			fmt.Fprintf(&b, "- %s ≥ %g×: %s (%s)\n", rowName(o.sc, o.sc.figures[t.figure]), t.min, verdict, formatRatio(a))
		}
	}
	_, err = io.WriteString(w, b.String())
	return missed, err
}
