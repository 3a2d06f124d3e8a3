package main

import (
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
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
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
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
	return true, p.Save(7*vg.Inch, 4.5*vg.Inch, path)
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
