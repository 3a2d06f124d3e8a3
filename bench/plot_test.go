package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSILabel(t *testing.T) {
	for v, want := range map[float64]string{
		1: "1", 10: "10", 100: "100", 1e3: "1k", 1e4: "10k", 1e5: "100k",
		1e6: "1M", 1e7: "10M", 1e8: "100M", 1e9: "1G", 1.5e6: "1.5M", 0.1: "0.1",
	} {
		assert.Equal(t, want, siLabel(v), "%g", v)
	}
}

// TestPlotSVG checks that the SVG labels both axes in one format and
// carries every font it names.
func TestPlotSVG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.svg")
	fan := func(w string, memkv, limit float64) outcome {
		return outcomeOf(scenario{name: "FanOut/all/W=" + w, figures: []figure{deliveryRate, lastDelivery}},
			map[string]float64{"memkv": memkv, "limit": limit})
	}
	drawn, err := writePlot(path, []outcome{fan("1", 1e6, 2e6), fan("10", 5e6, 8e6), fan("1000", 9e6, 20e6)})
	require.NoError(t, err)
	require.True(t, drawn)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	svg := string(b)
	for _, label := range []string{">1<", ">10<", ">100<", ">1k<", ">1M<", ">10M<"} {
		assert.Contains(t, svg, label)
	}
	assert.NotRegexp(t, `>[0-9.]+e[+-][0-9]+<|>[0-9]{4,}<`, svg, "no exponent or long plain numbers on the axes")
	faces := map[string]bool{}
	for _, m := range regexp.MustCompile(`@font-face\{\s*font-family:"([^"]+)"`).FindAllStringSubmatch(svg, -1) {
		faces[m[1]] = true
	}
	require.NotEmpty(t, faces, "the font is embedded")
	for _, m := range regexp.MustCompile(`font-family:([^;"]+);`).FindAllStringSubmatch(svg, -1) {
		assert.True(t, faces[m[1]], "font %q is embedded", m[1])
	}
}
