package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// writePlot draws fan-out deliveries per second against the watcher
// count, log-log, one line per system and mode (solid: all watchers on
// ">", dashed: each on its own keys), to path; its extension (.svg, .png,
// .pdf) picks the format. It reports false when there is nothing to draw.
func writePlot(path string, outcomes []outcome) (bool, error) {
	p := plot.New()
	p.Title.Text = "KV watch fan-out"
	p.X.Label.Text = "watchers"
	p.Y.Label.Text = "deliveries/s"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = siTicks{}, siTicks{}
	p.Legend.Top = true
	p.Legend.Left = true
	drawn, top := false, 0.0
	for mi, mode := range []string{modeAll, modeOwn} {
		for si, k := range kinds {
			var xys plotter.XYs
			for _, o := range outcomes {
				w, ok := fanOutWatchers(o.sc.name, mode)
				if !ok {
					continue
				}
				if v, ok := o.value(si, 0); ok && v > 0 {
					xys = append(xys, plotter.XY{X: float64(w), Y: v})
					top = max(top, v)
				}
			}
			if len(xys) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return false, err
			}
			line.Color, points.Color = plotutil.Color(si), plotutil.Color(si)
			points.Shape = plotutil.Shape(si)
			if mi == 1 {
				line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			label := k.name + ` ">"`
			if mode == modeOwn {
				label = k.name + " own keys"
			}
			p.Add(line, points)
			p.Legend.Add(label, line, points)
			drawn = true
		}
	}
	if !drawn {
		return false, nil
	}
	// Room above the lines for the legend: 1.5 decades on the log scale.
	p.Y.Max = top * 30
	return true, save(p, 7*vg.Inch, 4.5*vg.Inch, path)
}

// save writes p to path in the format its extension names. gonum's SVG
// canvas only names its font (Liberation Serif) unless told to embed it:
// a machine without the font would draw the text in another, of other
// widths, misplaced against the layout measured with Liberation.
func save(p *plot.Plot, w, h vg.Length, path string) error {
	if !strings.EqualFold(filepath.Ext(path), ".svg") {
		return p.Save(w, h, path)
	}
	c := vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(true))
	p.Draw(draw.New(c))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// siTicks are log-scale ticks labelled with SI prefixes, one format for
// every decade: 1, 10, 100, 1k, 10k, 100k, 1M, ... (plot.LogTicks writes
// 100000 then 1e+06).
type siTicks struct{}

// Ticks returns plot.LogTicks' ticks with their labels rewritten.
func (siTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = siLabel(ticks[i].Value)
		}
	}
	return ticks
}

// siLabel writes v with an SI prefix and no trailing zeros: 1, 250, 1k,
// 1.5M, 10G.
func siLabel(v float64) string {
	for _, p := range []struct {
		scale  float64
		prefix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= p.scale {
			return strconv.FormatFloat(v/p.scale, 'f', -1, 64) + p.prefix
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// fanOutWatchers returns W of a "FanOut/<mode>/W=<W>" scenario name.
func fanOutWatchers(name, mode string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "FanOut/"+mode+"/W=")
	if !ok {
		return 0, false
	}
	w, err := strconv.Atoi(rest)
	return w, err == nil
}
