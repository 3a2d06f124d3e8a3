package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A target is a goal of the project for one figure of one system against
// another system measured in the same run. A plain target bounds the
// ratio system ÷ base: at most bound for a time, at least bound for a
// rate. A target with better set asks system to be at least bound times
// better than base: base's time over system's, or system's rate over
// base's.
type target struct {
	scenario string // a scenario name; one ending in "=" is a prefix ("Heap/keys=")
	figure   int    // index in the scenario's figures
	system   string
	base     string
	bound    float64
	better   bool
}

// Systems of the targets: memkv's Go API is judged against the limit,
// which does not move with the server's speed; jetsim over the wire
// against nats-server over the same in-process connection and against
// the wire limit.
const (
	memkvName        = "memkv"
	limitName        = "limit"
	wireName         = "wire"
	serverInprocName = "server-inproc"
	wireLimitName    = "wire-limit"
)

// targets are issue #12's primary targets (memkv against the limit: Put
// ≤ 1.5× the locked map; Get + Value() ≤ 3× the map's get plus a copy of
// the value; fan-out deliveries/s ≥ 1/2 of bare channels at W = 100 and
// 1000), then issue #13's for the wire door (wireTargets).
var targets = append([]target{
	{scenario: "Put", system: memkvName, base: limitName, bound: 1.5},
	{scenario: "Get", system: memkvName, base: limitName, bound: 3},
	{scenario: "FanOut/all/W=100", system: memkvName, base: limitName, bound: 0.5},
	{scenario: "FanOut/own/W=100", system: memkvName, base: limitName, bound: 0.5},
	{scenario: "FanOut/all/W=1000", system: memkvName, base: limitName, bound: 0.5},
	{scenario: "FanOut/own/W=1000", system: memkvName, base: limitName, bound: 0.5},
}, wireTargets()...)

// wireTargets are issue #13's: Put, Get, Create, Update and Delete over
// the wire ≥ 1.7× faster than nats-server in process and ≤ 1.25× the wire
// limit; a new system to a ready bucket ≥ 20× faster than nats-server's;
// fan-out deliveries/s ≥ 2× nats-server's at W = 100 and 1000; heap per
// key at most nats-server's.
func wireTargets() []target {
	var out []target
	for _, op := range []string{"Put", "Get", "Create", "Update", "Delete"} {
		out = append(out,
			target{scenario: op, system: wireName, base: serverInprocName, bound: 1.7, better: true},
			target{scenario: op, system: wireName, base: wireLimitName, bound: 1.25})
	}
	out = append(out, target{scenario: "Setup", system: wireName, base: serverInprocName, bound: 20, better: true})
	for _, fo := range []string{"FanOut/all/W=100", "FanOut/own/W=100", "FanOut/all/W=1000", "FanOut/own/W=1000"} {
		out = append(out, target{scenario: fo, system: wireName, base: serverInprocName, bound: 2, better: true})
	}
	return append(out, target{scenario: "Heap/keys=", system: wireName, base: serverInprocName, bound: 1})
}

// Verdicts of a target.
const (
	verdictMet         = "MET"
	verdictMissed      = "MISSED"
	verdictNotMeasured = "not measured"
)

// matches reports whether the target is for the scenario named name.
func (t target) matches(name string) bool {
	if strings.HasSuffix(t.scenario, "=") {
		return strings.HasPrefix(name, t.scenario)
	}
	return name == t.scenario
}

// judge returns the verdict of t on o and the figure it judged: system ÷
// base, or for a better target system's advantage over base.
func (t target) judge(o outcome) (string, float64) {
	a, b := kindIndex(t.system), kindIndex(t.base)
	var r float64
	var ok bool
	if t.better {
		r, ok = o.advantage(a, b, t.figure)
	} else {
		r, ok = o.ratio(a, b, t.figure)
	}
	higher := t.better || o.sc.figures[t.figure].higher
	switch {
	case !ok:
		return verdictNotMeasured, 0
	case higher && r < t.bound, !higher && r > t.bound:
		return verdictMissed, r
	}
	return verdictMet, r
}

// boundText is the bound as the table shows it: "≤ 1.5×" or "≥ 0.5×" for
// system ÷ base, "≥ 1.7× better" for an advantage.
func (t target) boundText(f figure) string {
	b := strconv.FormatFloat(t.bound, 'f', -1, 64) + "×"
	switch {
	case t.better:
		return "≥ " + b + " better"
	case f.higher:
		return "≥ " + b
	}
	return "≤ " + b
}

// writeTargets writes the verdict of each target whose scenario is among
// the outcomes, and a legend; it returns the number missed. Targets of
// scenarios the run did not measure are left out.
func writeTargets(w io.Writer, outcomes []outcome) (missed int, err error) {
	met := 0
	rows := [][]string{{"target", "system", "figure", "base", "base's figure", "ratio", "bound", "verdict"}}
	for _, t := range targets {
		for _, o := range outcomes {
			if !t.matches(o.sc.name) {
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
			for _, name := range []string{t.system, t.base} {
				cell := "—"
				if v, ok := o.value(kindIndex(name), t.figure); ok {
					cell = formatValue(v, f.unit)
				}
				row = append(row, name, cell)
			}
			ratio := "—"
			if verdict != verdictNotMeasured {
				ratio = formatRatio(r)
			}
			rows = append(rows, append(row, ratio, t.boundText(f), verdict))
		}
	}
	if len(rows) == 1 {
		_, err = io.WriteString(w, "Targets: none among the scenarios run.\n")
		return 0, err
	}
	var b strings.Builder
	b.WriteString("Targets: each system's figure against its base's, measured in the same run.\n\n")
	b.WriteString(markdownTable(rows))
	b.WriteString("\nThe ratio is the system's figure over the base's, or, where the bound says \"better\", the system's advantage " +
		"over the base (the base's time over the system's, the system's rate over the base's). " +
		"MET: the ratio is within the bound. MISSED: in this run the system is further from its base than the bound allows, " +
		"and the command exits with status 1. memkv's base is the limit (a locked map; bare buffered channels for fan-out, " +
		"one shared entry per put), which does not depend on the server, so a MISSED there is memkv's own doing (or a machine " +
		"too loaded to measure on: see the load average). wire's bases are nats-server over the same in-process connection " +
		"and the wire limit (the client's own cost: a responder that answers every request with a canned reply).\n")
	fmt.Fprintf(&b, "\n%d MET, %d MISSED", met, missed)
	if n := len(rows) - 1 - met - missed; n > 0 {
		fmt.Fprintf(&b, ", %d not measured (a system not run or failed)", n)
	}
	b.WriteString(".\n")
	_, err = io.WriteString(w, b.String())
	return missed, err
}
