package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
)

// The plots are hand-written SVG: a line chart needs axes, ticks, labels and a polyline,
// and a plotting dependency for that would be the heaviest part of this tool. The output is
// plain enough to read in a diff and renders the same in a browser and on GitHub.

// series is one line of a chart: ys[i] is the value at x = i+1 (the end of second i+1).
// NaN marks a missing value; the line breaks there rather than inventing a value.
type series struct {
	name  string
	color string
	ys    []float64
}

type chart struct {
	title  string
	xLabel string
	yLabel string
	series []series
}

// Layout, in pixels.
const (
	svgWidth     = 760
	svgHeight    = 360
	marginLeft   = 72
	marginRight  = 24
	marginTop    = 44
	marginBottom = 52
	plotWidth    = svgWidth - marginLeft - marginRight
	plotHeight   = svgHeight - marginTop - marginBottom
)

// writeSVG renders c. The x axis runs from 0 to the longest series' length, the y axis from
// 0 (or the lowest value, when one is negative) to a round number above the highest value.
func writeSVG(w io.Writer, c chart) error {
	n := 0
	lo, hi := 0.0, math.Inf(-1)
	for _, s := range c.series {
		n = max(n, len(s.ys))
		for _, y := range s.ys {
			if finite(y) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	if math.IsInf(hi, -1) || hi <= lo {
		hi = lo + 1 // no data, or all values equal: still draw a readable empty axis
	}
	yStep := niceStep(hi-lo, 5)
	yMin, yMax := math.Floor(lo/yStep)*yStep, math.Ceil(hi/yStep)*yStep
	xMax := float64(max(n, 1))
	xStep := niceStep(xMax, 10)
	xMax = math.Ceil(xMax/xStep) * xStep

	px := func(x float64) float64 { return marginLeft + x/xMax*plotWidth }
	py := func(y float64) float64 { return marginTop + plotHeight - (y-yMin)/(yMax-yMin)*plotHeight }

	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, svgHeight, svgWidth, svgHeight)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", marginLeft, esc(c.title))

	// Grid and y ticks.
	b.WriteString(`<g stroke="#e3e3e3" stroke-width="1">` + "\n")
	for _, y := range ticks(yMin, yMax, yStep) {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`+"\n", marginLeft, py(y), svgWidth-marginRight, py(y))
	}
	for _, x := range ticks(0, xMax, xStep) {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`+"\n", px(x), marginTop, px(x), marginTop+plotHeight)
	}
	b.WriteString("</g>\n")
	b.WriteString(`<g text-anchor="end" fill="#333">` + "\n")
	for _, y := range ticks(yMin, yMax, yStep) {
		fmt.Fprintf(&b, `<text x="%d" y="%.1f">%s</text>`+"\n", marginLeft-6, py(y)+4, esc(formatTick(y, yStep)))
	}
	b.WriteString("</g>\n")
	b.WriteString(`<g text-anchor="middle" fill="#333">` + "\n")
	for _, x := range ticks(0, xMax, xStep) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", px(x), marginTop+plotHeight+18, esc(formatTick(x, xStep)))
	}
	b.WriteString("</g>\n")

	// Axes on top of the grid.
	fmt.Fprintf(&b, `<path d="M%d %d V%d H%d" fill="none" stroke="#333" stroke-width="1"/>`+"\n",
		marginLeft, marginTop, marginTop+plotHeight, svgWidth-marginRight)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n",
		marginLeft+plotWidth/2, svgHeight-10, esc(c.xLabel))
	fmt.Fprintf(&b, `<text transform="translate(16 %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n",
		marginTop+plotHeight/2, esc(c.yLabel))

	// The data.
	for _, s := range c.series {
		for _, run := range finiteRuns(s.ys) {
			if len(run.ys) == 1 {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>`+"\n",
					px(float64(run.start+1)), py(run.ys[0]), esc(s.color))
				continue
			}
			pts := make([]string, len(run.ys))
			for i, y := range run.ys {
				pts[i] = fmt.Sprintf("%.1f,%.1f", px(float64(run.start+i+1)), py(y))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" stroke-linejoin="round" points="%s"/>`+"\n",
				esc(s.color), strings.Join(pts, " "))
		}
	}

	// Legend, right-aligned in the top margin, so that it never covers the data.
	x := float64(svgWidth - marginRight)
	for i := len(c.series) - 1; i >= 0; i-- {
		s := c.series[i]
		x -= 7*float64(len([]rune(s.name))) + 30
		fmt.Fprintf(&b, `<line x1="%.1f" y1="20" x2="%.1f" y2="20" stroke="%s" stroke-width="2.5"/>`+"\n", x, x+18, esc(s.color))
		fmt.Fprintf(&b, `<text x="%.1f" y="24">%s</text>`+"\n", x+22, esc(s.name))
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// stretch is a run of consecutive finite values starting at index start.
type stretch struct {
	start int
	ys    []float64
}

func finiteRuns(ys []float64) []stretch {
	var out []stretch
	for i := 0; i < len(ys); {
		if !finite(ys[i]) {
			i++
			continue
		}
		j := i
		for j < len(ys) && finite(ys[j]) {
			j++
		}
		out = append(out, stretch{start: i, ys: ys[i:j]})
		i = j
	}
	return out
}

// niceStep returns a round step (1, 2 or 5 times a power of ten) that cuts span into at
// most about count intervals: round ticks are what a reader can interpolate between.
func niceStep(span float64, count int) float64 {
	if !(span > 0) || count < 1 {
		return 1
	}
	raw := span / float64(count)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// ticks lists lo, lo+step, … up to hi, computed by multiplication so that no rounding error
// accumulates into a tick like 0.30000000000000004.
func ticks(lo, hi, step float64) []float64 {
	var out []float64
	for i := 0; ; i++ {
		v := lo + float64(i)*step
		if v > hi+step*1e-9 || i > 1000 {
			return out
		}
		out = append(out, v)
	}
}

// formatTick prints v with as many decimals as step needs.
func formatTick(v, step float64) string {
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if math.Abs(v) < step*1e-9 {
		v = 0 // no "-0"
	}
	return fmt.Sprintf("%.*f", decimals, v)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}
