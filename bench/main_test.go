package main

import (
	"bytes"
	"context"
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
	require.NoError(t, err, "stderr:\n%s", stderr.String())

	table := stdout.String()
	for _, row := range []string{
		"| Put ", "| Get ", "| Create ", "| History10 ",
		"| FanOut/all/W=10 deliveries/s ", "| FanOut/own/W=10 put → last watcher ",
		"| WatchStart/keys=100 ",
	} {
		assert.Contains(t, table, row)
	}
	assert.NotContains(t, table, "WatchStart/keys=1000 ", "-run selects the scenarios")
	assert.Contains(t, table, "- Put ≥ 100×: ")
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
	svg, err := os.ReadFile(plot)
	require.NoError(t, err)
	assert.Contains(t, string(svg), "<svg")
}

func TestParseFlagsRejects(t *testing.T) {
	for name, args := range map[string][]string{
		"bad regexp":   {"-run", "("},
		"bad watchers": {"-watchers", "1,x"},
		"zero rounds":  {"-rounds", "0"},
		"extra args":   {"now"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseFlags(args, &bytes.Buffer{})
			assert.Error(t, err)
		})
	}
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
