package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A target is a goal of the project for one figure: memkv's figure over
// the physical limit's, measured in the same run, at most bound for a
// time and at least bound for a rate. The limit is the least work the
// operation can cost in one process, so it does not move with the
// server's speed.
type target struct {
	scenario string
	figure   int // index in the scenario's figures
	bound    float64
}

// baseKind is the system the targets are judged against.
const baseKind = "limit"

// targets are issue #12's primary targets: Put ≤ 1.5× the locked map;
// Get + Value() ≤ 3× the map's get plus a copy of the value; fan-out
// deliveries/s ≥ 1/2 of bare channels at W = 100 and 1000.
var targets = []target{
	{"Put", 0, 1.5},
	{"Get", 0, 3},
	{"FanOut/all/W=100", 0, 0.5},
	{"FanOut/own/W=100", 0, 0.5},
	{"FanOut/all/W=1000", 0, 0.5},
	{"FanOut/own/W=1000", 0, 0.5},
}

// Verdicts of a target.
const (
	verdictMet         = "MET"
	verdictMissed      = "MISSED"
	verdictNotMeasured = "not measured"
)

// judge returns the verdict of t on o and memkv's figure over the limit's.
func (t target) judge(o outcome) (string, float64) {
	r, ok := o.ratio(kindIndex(baseKind), t.figure)
	switch {
	case !ok:
		return verdictNotMeasured, 0
	case o.sc.figures[t.figure].higher && r < t.bound, !o.sc.figures[t.figure].higher && r > t.bound:
		return verdictMissed, r
	}
	return verdictMet, r
}

// boundText is the bound as the table shows it, "≤ 1.5×" or "≥ 0.5×".
func (t target) boundText(f figure) string {
	b := strconv.FormatFloat(t.bound, 'f', -1, 64) + "×"
	if f.higher {
		return "≥ " + b
	}
	return "≤ " + b
}

// writeTargets writes the verdict of each target whose scenario is among
// the outcomes, with memkv's advantage over the other systems beside it
// for information, and a legend; it returns the number missed. Targets of
// scenarios the run did not measure are left out.
func writeTargets(w io.Writer, outcomes []outcome) (missed int, err error) {
	met := 0
	base := kindIndex(baseKind)
	header := []string{"target", "memkv", baseKind, "memkv ÷ " + baseKind, "bound", "verdict"}
	for si, k := range kinds {
		if si != memkvKind && si != base {
			header = append(header, "memkv vs "+k.name)
		}
	}
	rows := [][]string{header}
	for _, t := range targets {
		for _, o := range outcomes {
			if o.sc.name != t.scenario {
				continue
			}
			f := o.sc.figures[t.figure]
			verdict, r := t.judge(o)
			switch verdict {
			case verdictMissed:
				missed++
			case verdictMet:
				met++
			}
			row := []string{rowName(o.sc, f)}
			for _, si := range []int{memkvKind, base} {
				cell := "—"
				if v, ok := o.value(si, t.figure); ok {
					cell = formatValue(v, f.unit)
				}
				row = append(row, cell)
			}
			ratio := "—"
			if verdict != verdictNotMeasured {
				ratio = formatRatio(r)
			}
			row = append(row, ratio, t.boundText(f), verdict)
			for si := range kinds {
				if si != memkvKind && si != base {
					row = append(row, o.advantageCell(si, t.figure))
				}
			}
			rows = append(rows, row)
		}
	}
	if len(rows) == 1 {
		_, err = io.WriteString(w, "Targets: none among the scenarios run.\n")
		return 0, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Targets: memkv's figure over the %s's, measured in the same run.\n\n", baseKind)
	b.WriteString(markdownTable(rows))
	fmt.Fprintf(&b, "\nMET: memkv's figure is within the bound. MISSED: in this run memkv is further behind the %s "+
		"(a locked map; bare buffered channels for fan-out, one shared entry per put) than the bound allows, "+
		"and the command exits with status 1. The %s does not depend on the server, so a MISSED is memkv's own "+
		"doing (or a machine too loaded to measure on: see the load average). ", baseKind, baseKind)
	b.WriteString("The \"memkv vs\" columns are memkv's advantage over the other systems (above 1× memkv is better), for information, not targets.\n")
	fmt.Fprintf(&b, "\n%d MET, %d MISSED", met, missed)
	if n := len(rows) - 1 - met - missed; n > 0 {
		fmt.Fprintf(&b, ", %d not measured (a system not run or failed)", n)
	}
	b.WriteString(".\n")
	_, err = io.WriteString(w, b.String())
	return missed, err
}
