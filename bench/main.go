// Command bench measures memkv against an embedded nats-server and the
// physical limit (a locked map, buffered channels) in one process, and
// prints a table of medians with memkv's advantage over each.
//
//	go run ./bench                        # everything, about 2 minutes
//	go run ./bench -run 'Put|FanOut' -watchers 10,100 -rounds 5
//
// It also writes the table to -out and a plot of fan-out deliveries per
// second against the watcher count to -plot. The same scenarios run as
// benchmarks with go test -bench . ./bench.
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
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

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

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pattern := fs.String("run", ".", "run only the scenarios matching this regexp, e.g. 'Put|FanOut/all'")
	keys := fs.Int("keys", 10000, "keys for Keys and the small watch start; ten times as many for the large watch start and Heap")
	watchers := fs.String("watchers", "1,10,100,1000", "comma-separated watcher counts for fan-out")
	rounds := fs.Int("rounds", 5, "rounds per figure; the table shows their median")
	budget := fs.Duration("time", 100*time.Millisecond, "time budget of one round")
	systems := fs.String("systems", "memkv,server,limit", "comma-separated systems to run")
	out := fs.String("out", "bench/RESULTS.md", "write the table as Markdown to this file (\"\" for none; a partial run writes it only when named)")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	plotPath := fs.String("plot", "bench/fanout.svg", "write the fan-out plot to this file, .svg or .png (\"\" for none; a partial run writes it only when named)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := config{rounds: *rounds, budget: *budget, out: *out, plot: *plotPath, cpuprof: *cpuprof, systems: map[string]bool{}}
	// A partial run does not overwrite the recorded full results unless
	// asked to by name.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if partial := set["run"] || set["keys"] || set["watchers"] || set["systems"]; partial {
		if !set["out"] {
			cfg.out = ""
		}
		if !set["plot"] {
			cfg.plot = ""
		}
	}
	var err error
	if cfg.pattern, err = regexp.Compile(*pattern); err != nil {
		return config{}, fmt.Errorf("-run: %w", err)
	}
	if *keys < 1 || *rounds < 1 || *budget <= 0 {
		return config{}, errors.New("-keys, -rounds and -time must be positive")
	}
	cfg.sizes.keys = *keys
	for _, f := range strings.Split(*watchers, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 {
			return config{}, fmt.Errorf("-watchers: bad count %q", f)
		}
		cfg.sizes.watchers = append(cfg.sizes.watchers, w)
	}
	for _, s := range strings.Split(*systems, ",") {
		cfg.systems[strings.TrimSpace(s)] = true
	}
	return cfg, nil
}

// allScenarios returns every scenario for sz, in table order.
func allScenarios(sz sizes) []scenario {
	return append(kvScenarios(sz), watchScenarios(sz)...)
}

// run is the command: measure, then print and write the results.
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
	if len(chosen) == 0 {
		return fmt.Errorf("no scenario matches -run %q", cfg.pattern)
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
		outcomes[i] = outcome{sc: sc, results: make([]*result, len(kinds))}
		for si, k := range kinds {
			if systems[si] == nil {
				continue
			}
			r, err := measure(ctx, sc, k, systems[si], cfg.budget, cfg.rounds)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s on %s: %w", sc.name, k.name, err))
				fmt.Fprintf(stderr, "bench: [%d/%d] %-26s %-6s failed: %v\n", i+1, len(chosen), sc.name, k.name, err)
				continue
			}
			outcomes[i].results[si] = &r
			fmt.Fprintf(stderr, "bench: [%d/%d] %-26s %-6s %12s  (%.1fs, %.0fs in all)\n", i+1, len(chosen), sc.name, k.name,
				formatValue(r.values[0], sc.figures[0].unit), r.took.Seconds(), time.Since(start).Seconds())
		}
	}

	if err := writeTable(stdout, outcomes); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if _, err := writeTargets(stdout, outcomes); err != nil {
		return err
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

// writeReport writes the Markdown report: how it was run, the table, the
// targets and the plot.
func writeReport(cfg config, args []string, outcomes []outcome, took time.Duration) error {
	f, err := os.Create(cfg.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "# jetsim benchmark results\n\n")
	fmt.Fprintf(f, "`go run ./bench %s` on %s, %s/%s, %d CPUs, %s; took %.0fs. ",
		strings.Join(args, " "), time.Now().Format(time.DateOnly), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), took.Seconds())
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		// Other processes on the machine skew the figures; say how busy it was.
		fmt.Fprintf(f, "Load average at the end: %s. ", strings.Join(strings.Fields(string(load))[:3], " "))
	}
	fmt.Fprintf(f, "Each figure is the median of %d rounds of at least %v. ", cfg.rounds, cfg.budget)
	fmt.Fprintf(f, "server is nats-server embedded in the process with memory storage, reached over a loopback connection; "+
		"limit is a mutex-guarded map with a revision counter and, for watchers, buffered channels.\n\n")
	if err := writeTable(f, outcomes); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintln(f)
	if _, err := writeTargets(f, outcomes); err != nil {
		f.Close()
		return err
	}
	if cfg.plot != "" {
		rel, err := filepath.Rel(filepath.Dir(cfg.out), cfg.plot)
		if err != nil {
			rel = cfg.plot
		}
		fmt.Fprintf(f, "\n![fan-out deliveries/s against watchers](%s)\n", filepath.ToSlash(rel))
	}
	return f.Close()
}
