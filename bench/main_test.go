package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the command with tiny sizes on a few scenarios and checks
// the table, the report and the plot.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	out, plot := filepath.Join(dir, "RESULTS.md"), filepath.Join(dir, "fanout.svg")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{
		"-keys", "100", "-watchers", "1,10", "-rounds", "1", "-time", "2ms",
		"-run", `^(Put|Get|Create|History10|FanOut/(all|own)/W=10|WatchStart/keys=100)$`,
		"-out", out, "-plot", plot,
	}, &stdout, &stderr)
	if err != nil {
		// Tiny rounds on a shared machine may miss a target; nothing else
		// may fail.
		require.ErrorIs(t, err, errMissed, "stderr:\n%s", stderr.String())
		assert.Equal(t, 1, exitCode(err, io.Discard))
	}

	table := stdout.String()
	for _, row := range []string{
		"| Put ", "| Get ", "| Create ", "| History10 ",
		"| FanOut/all/W=10 deliveries/s ", "| FanOut/own/W=10 put → last watcher ",
		"| WatchStart/keys=100 ",
	} {
		assert.Contains(t, table, row)
	}
	assert.NotContains(t, table, "WatchStart/keys=1000 ", "-run selects the scenarios")
	assert.Regexp(t, `\| Put +\| +memkv +\| [^|]+ \| +limit +\| [^|]+ \| +[0-9.]+× \| +≤ 1\.5× \| +(MET|MISSED) \|`, table, "the Put target against the limit")
	assert.Regexp(t, `\| Put +\| +wire +\| [^|]+ \| +server-inproc +\| [^|]+ \| +[0-9.]+× \| ≥ 1\.7× better \| +(MET|MISSED) \|`, table, "the Put target of wire against nats-server in process")
	assert.Regexp(t, `\| Put +\| +wire +\| [^|]+ \| +wire-limit +\| [^|]+ \| +[0-9.]+× \| +≤ 1\.25× \| +(MET|MISSED) \|`, table, "the Put target of wire against the wire limit")
	assert.Contains(t, table, "MISSED: in this run the system is further from its base", "the legend says what MISSED means")
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| Put ") {
			assert.NotContains(t, line, "—", "every system has a figure: %s", line)
		}
	}
	assert.Contains(t, stderr.String(), "bench: [1/", "progress lines")

	report, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(report), "| FanOut/all/W=10 deliveries/s ")
	assert.Contains(t, string(report), "](fanout.svg)")
	for _, name := range []string{"- Get: Get then Value()", "- FanOut/all/W=N:", "- FanOut/own/W=N:", "- put → last watcher:"} {
		assert.Contains(t, string(report), name, "the report explains its names")
	}
	assert.Contains(t, string(report), "MISSED: ", "the report has the targets and their legend")
	svg, err := os.ReadFile(plot)
	require.NoError(t, err)
	assert.Contains(t, string(svg), "<svg")
}

// TestParseFlagsRejects checks that a bad command line is a usage error:
// printed with the usage, exit status 2.
func TestParseFlagsRejects(t *testing.T) {
	for name, args := range map[string][]string{
		"bad regexp":     {"-run", "("},
		"no scenario":    {"-run", "NoSuchScenario"},
		"bad watchers":   {"-watchers", "1,x"},
		"zero rounds":    {"-rounds", "0"},
		"extra args":     {"now"},
		"unknown flag":   {"-fast"},
		"unknown system": {"-systems", "memkv,postgres"},
		"empty system":   {"-systems", "memkv,"},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := parseFlags(args, &stderr)
			require.Error(t, err)
			var usage usageError
			assert.ErrorAs(t, err, &usage)
			assert.Contains(t, stderr.String(), "Usage: go run ./bench")
			assert.Equal(t, 2, exitCode(err, io.Discard))
		})
	}
}

// TestHelp checks that -h prints the usage and exits 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help"} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{arg}, &stdout, &stderr)
		assert.Equal(t, 0, exitCode(err, io.Discard), "%s: %v", arg, err)
		assert.Contains(t, stderr.String(), "-systems")
		assert.Contains(t, stderr.String(), "exits 0 when every target measured is met")
	}
}

// TestDefaultWritesNothing runs the command in a directory holding the
// tracked result files' names: without -out and -plot it writes nothing.
func TestDefaultWritesNothing(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "bench"), 0o755))
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-run", "^Get$", "-systems", "limit", "-rounds", "1", "-time", "1ms"}, &stdout, &stderr)
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	assert.Contains(t, stdout.String(), "| Get ")
	for _, d := range []string{dir, filepath.Join(dir, "bench")} {
		entries, err := os.ReadDir(d)
		require.NoError(t, err)
		if d == dir {
			require.Len(t, entries, 1, "only bench/ in %s", d)
		} else {
			assert.Empty(t, entries, "nothing written to %s", d)
		}
	}
}

// TestRunFromSubdirectory writes -out and -plot relative to the current
// directory, wherever that is, and links the plot relative to the report.
func TestRunFromSubdirectory(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"report", "plots", "work"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	t.Chdir(filepath.Join(dir, "work"))
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{
		"-run", "^FanOut/all/W=2$", "-watchers", "2", "-systems", "limit", "-rounds", "1", "-time", "1ms",
		"-out", "../report/R.md", "-plot", "../plots/f.svg",
	}, &stdout, &stderr)
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	report, err := os.ReadFile(filepath.Join(dir, "report", "R.md"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "](../plots/f.svg)")
	assert.FileExists(t, filepath.Join(dir, "plots", "f.svg"))
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		name, unit, want string
		v                float64
	}{
		{"nanoseconds", "ns/op", "123 ns", 123.4},
		{"microseconds", "ns/op", "1.23 µs", 1234},
		{"milliseconds", "ns", "12.3 ms", 12.34e6},
		{"seconds", "ns/op", "2.50 s", 2.5e9},
		{"rate", "deliveries/s", "3.40 M/s", 3.4e6},
		{"small rate", "puts/s", "950 /s", 950},
		{"bytes", "B/key", "312 B/key", 312.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, formatValue(tc.v, tc.unit))
		})
	}
}
