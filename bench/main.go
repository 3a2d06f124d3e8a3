// Command bench measures, in one process, memkv through its Go API and
// through its wire door (nats.go over memkv's in-process connection),
// nats-server embedded (over its in-process connection and over loopback
// TCP), and two limits: the physical limit (a locked map; bare buffered
// channels for fan-out) and the wire limit (nats.go against a responder
// that answers with canned replies). It prints a table of medians with
// the advantages between them, and judges the project's targets: memkv's
// figures against the limit's, wire's against nats-server's and the wire
// limit's.
//
//	go run ./bench                        # everything, a few minutes
//	go run ./bench -run 'Put|FanOut' -watchers 10,100 -rounds 5
//	go run ./bench -out bench/RESULTS.md -plot bench/fanout.svg
//
// It writes files only when asked: the table as Markdown to -out and a
// plot of fan-out deliveries per second against the watcher count to
// -plot, paths relative to the current directory. It exits 0 when every
// target measured is met, 1 when one is missed or a measurement failed
// (after printing and writing everything), and 2 on bad usage. The same
// scenarios run as benchmarks with go test -bench . ./bench.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode returns the command's exit status for run's error, printing
// the error unless parseFlags has already printed it with the usage.
func exitCode(err error, stderr io.Writer) int {
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		return 2 // as flag.ExitOnError
	}
	fmt.Fprintln(stderr, "bench:", err)
	return 1
}

// usageError is a bad command line; parseFlags has printed it and the
// usage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// errMissed is run's error when a target is missed.
var errMissed = errors.New("targets MISSED")

// config is what the flags choose.
type config struct {
	pattern *regexp.Regexp
	sizes   sizes
	rounds  int
	budget  time.Duration
	systems map[string]bool
	out     string
	plot    string
	cpuprof string
}

// parseFlags parses the command line. On a bad one it prints the error
// and the usage to stderr and returns a usageError; on -h, the usage and
// flag.ErrHelp.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: go run ./bench [flags]

Measures memkv (its Go API, and over the wire), nats-server (in process
and over TCP) and two limits in one process, prints the table and the
targets (memkv against the limit; wire against nats-server in process and
the wire limit), and exits 0 when every target measured is met, 1 when one is MISSED or a
measurement failed, 2 on bad usage. Files are written only with -out and
-plot.

Flags:
`)
		fs.PrintDefaults()
	}
	pattern := fs.String("run", ".", "run only the scenarios matching this regexp, e.g. 'Put|FanOut/all'")
	keys := fs.Int("keys", 10000, "keys for Keys and the small watch start; ten times as many for the large watch start and Heap")
	watchers := fs.String("watchers", "1,10,100,1000", "comma-separated watcher counts for fan-out")
	rounds := fs.Int("rounds", 5, "rounds per figure, at most 3 where one operation fills a round; the table shows their median")
	budget := fs.Duration("time", 100*time.Millisecond, "time budget of one round")
	systems := fs.String("systems", strings.Join(kindNames(), ","), "comma-separated systems to run")
	out := fs.String("out", "", "write the table and targets as Markdown to this file, e.g. bench/RESULTS.md")
	plotPath := fs.String("plot", "", "write the fan-out plot to this file, .svg, .png or .pdf, e.g. bench/fanout.svg")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, usageError{err} // flag has printed it and the usage
	}
	fail := func(format string, a ...any) (config, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintln(stderr, "bench:", err)
		fs.Usage()
		return config{}, usageError{err}
	}
	if fs.NArg() > 0 {
		return fail("unexpected arguments %q", fs.Args())
	}
	cfg := config{rounds: *rounds, budget: *budget, out: *out, plot: *plotPath, cpuprof: *cpuprof, systems: map[string]bool{}}
	var err error
	if cfg.pattern, err = regexp.Compile(*pattern); err != nil {
		return fail("-run: %w", err)
	}
	if *keys < 1 || *rounds < 1 || *budget <= 0 {
		return fail("-keys, -rounds and -time must be positive")
	}
	cfg.sizes.keys = *keys
	for _, f := range strings.Split(*watchers, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 {
			return fail("-watchers: bad count %q", f)
		}
		cfg.sizes.watchers = append(cfg.sizes.watchers, w)
	}
	for _, s := range strings.Split(*systems, ",") {
		s = strings.TrimSpace(s)
		if kindIndex(s) < 0 {
			return fail("-systems: unknown system %q (known: %s)", s, strings.Join(kindNames(), ", "))
		}
		cfg.systems[s] = true
	}
	if !slices.ContainsFunc(allScenarios(cfg.sizes), func(sc scenario) bool { return cfg.pattern.MatchString(sc.name) }) {
		return fail("no scenario matches -run %q", cfg.pattern)
	}
	return cfg, nil
}

// allScenarios returns every scenario for sz, in table order.
func allScenarios(sz sizes) []scenario {
	return append(kvScenarios(sz), watchScenarios(sz)...)
}

// run is the command: measure, then print and write the results. Its
// error joins the failed measurements and errMissed when a target is
// missed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var chosen []scenario
	for _, sc := range allScenarios(cfg.sizes) {
		if cfg.pattern.MatchString(sc.name) {
			chosen = append(chosen, sc)
		}
	}
	systems := make([]system, len(kinds))
	for i, k := range kinds {
		if !cfg.systems[k.name] {
			continue
		}
		if systems[i], err = k.start(); err != nil {
			return fmt.Errorf("start %s: %w", k.name, err)
		}
		defer systems[i].Close()
	}

	if cfg.cpuprof != "" {
		f, err := os.Create(cfg.cpuprof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	var errs []error
	outcomes := make([]outcome, len(chosen))
	for i, sc := range chosen {
		serving := make([]system, len(kinds))
		for si, k := range kinds {
			if systems[si] != nil && k.serves(sc.name) {
				serving[si] = systems[si]
			}
		}
		results, failed := measure(ctx, sc, serving, cfg.budget, cfg.rounds)
		outcomes[i] = outcome{sc: sc, results: results}
		for si, k := range kinds {
			switch r, err := results[si], failed[si]; {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s on %s: %w", sc.name, k.name, err))
				fmt.Fprintf(stderr, "bench: [%d/%d] %-26s %-13s failed: %v\n", i+1, len(chosen), sc.name, k.name, err)
			case r != nil:
				fmt.Fprintf(stderr, "bench: [%d/%d] %-26s %-13s %12s  (%.1fs, %.0fs in all)\n", i+1, len(chosen), sc.name, k.name,
					formatValue(r.values[0], sc.figures[0].unit), r.took.Seconds(), time.Since(start).Seconds())
			}
		}
	}

	if err := writeTable(stdout, outcomes); err != nil {
		return err
	}
	if load := loadAverage(); load != "" {
		fmt.Fprintf(stdout, "\nLoad average at the end: %s, on %d CPUs.\n", load, runtime.NumCPU())
	}
	fmt.Fprintln(stdout)
	missed, err := writeTargets(stdout, outcomes)
	if err != nil {
		return err
	}
	if missed > 0 {
		errs = append(errs, fmt.Errorf("%w: %d (see the targets table)", errMissed, missed))
	}
	if cfg.plot != "" {
		drawn, err := writePlot(cfg.plot, outcomes)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		if !drawn {
			cfg.plot = ""
		}
	}
	if cfg.out != "" {
		if err := writeReport(cfg, args, outcomes, time.Since(start)); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

// writeReport writes the Markdown report: how it was run, the table, what
// its names mean, the targets and the plot.
func writeReport(cfg config, args []string, outcomes []outcome, took time.Duration) error {
	f, err := os.Create(cfg.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "# jetsim benchmark results\n\n")
	fmt.Fprintf(f, "`go run ./bench %s` on %s, %s/%s, %d CPUs, %s; took %.0fs. ",
		strings.Join(args, " "), time.Now().Format(time.DateOnly), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), took.Seconds())
	if load := loadAverage(); load != "" {
		fmt.Fprintf(f, "Load average at the end: %s. ", load)
	}
	fmt.Fprintf(f, "Each figure is the median of %d rounds of at least %v (%d where one operation fills a round: heap, large watch starts); within a scenario the systems take turns round by round, so that the machine's load falls on all alike.\n\n", cfg.rounds, cfg.budget, min(cfg.rounds, longRounds))
	if err := writeTable(f, outcomes); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(f, "\n%s\n", glossary)
	if _, err := writeTargets(f, outcomes); err != nil {
		f.Close()
		return err
	}
	if cfg.plot != "" {
		rel, err := relPath(filepath.Dir(cfg.out), cfg.plot)
		if err != nil {
			rel = cfg.plot
		}
		fmt.Fprintf(f, "\n![fan-out deliveries/s against watchers](%s)\n", filepath.ToSlash(rel))
	}
	return f.Close()
}

// relPath is target's path relative to dir, either of them relative to
// the current directory.
func relPath(dir, target string) (string, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absTarget, err := filepath.Abs(target)
	if err != nil {
		return "", err
	}
	return filepath.Rel(absDir, absTarget)
}

// loadAverage returns the machine's 1, 5 and 15-minute load averages, or
// "" where the system does not say: other processes skew the figures, and
// the output says how busy the machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return ""
}
