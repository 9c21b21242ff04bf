package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// svgElements parses an SVG document with encoding/xml and counts its elements by name; it
// fails the test on anything that is not well-formed XML or not an SVG root.
func svgElements(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	counts := map[string]int{}
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
				if se.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root namespace %q, want the SVG namespace", se.Name.Space)
				}
			}
			counts[se.Name.Local]++
			for _, a := range se.Attr {
				if strings.Contains(a.Value, "NaN") || strings.Contains(a.Value, "Inf") {
					t.Errorf("<%s %s=%q>: a coordinate that is not a number", se.Name.Local, a.Name.Local, a.Value)
				}
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return counts
}

func TestWriteSVGIsValidXML(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name      string
		c         chart
		polylines int
		circles   int
	}{
		{"no series", chart{title: "empty"}, 0, 0},
		{"an empty series", chart{title: "t", series: []series{{name: "a", color: "#000"}}}, 0, 0},
		{"one line", chart{title: "Throughput", xLabel: "s", yLabel: "req/s",
			series: []series{{name: "answered", color: "#1f77b4", ys: []float64{700, 720, 710, 690}}}}, 1, 0},
		{"two lines", chart{title: "Latency", series: []series{
			{name: "p50", color: "#1f77b4", ys: []float64{9, 10, 11}},
			{name: "p99", color: "#ff7f0e", ys: []float64{40, 55, 48}}}}, 2, 0},
		{"a gap breaks the line, a lone point is a dot", chart{title: "gaps", series: []series{
			{name: "rss", color: "green", ys: []float64{1, 2, nan, 3, 4, nan, 5, math.Inf(1)}}}}, 2, 1},
		{"only missing values", chart{title: "none", series: []series{{name: "x", color: "red", ys: []float64{nan, nan}}}}, 0, 0},
		{"all zeros", chart{title: "zeros", series: []series{{name: "failed", color: "red", ys: []float64{0, 0, 0}}}}, 1, 0},
		{"one point", chart{title: "one", series: []series{{name: "x", color: "red", ys: []float64{3}}}}, 0, 1},
		{"tiny values", chart{title: "tiny", series: []series{{name: "x", color: "red", ys: []float64{0.001, 0.002}}}}, 1, 0},
		{"negative values", chart{title: "neg", series: []series{{name: "x", color: "red", ys: []float64{-5, 5}}}}, 1, 0},
		{"markup in text is escaped", chart{title: `p50 < p99 & "quotes" <script>`, xLabel: "a<b", yLabel: "]]>",
			series: []series{{name: "<&>", color: `"red"`, ys: []float64{1, 2}}}}, 1, 0},
		{"a long run", chart{title: "60 s", series: []series{{name: "x", color: "red", ys: make([]float64, 600)}}}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeSVG(&b, tc.c); err != nil {
				t.Fatal(err)
			}
			counts := svgElements(t, b.Bytes())
			if counts["polyline"] != tc.polylines || counts["circle"] != tc.circles {
				t.Errorf("%d polylines and %d circles, want %d and %d", counts["polyline"], counts["circle"], tc.polylines, tc.circles)
			}
			if counts["text"] < 4 {
				t.Errorf("%d text elements: the axes need tick labels", counts["text"])
			}
			if !strings.Contains(b.String(), esc(tc.c.title)) {
				t.Errorf("the title %q is missing", tc.c.title)
			}
		})
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct {
		span  float64
		count int
		want  float64
	}{
		{60, 10, 10}, // 6 → 10
		{60, 12, 5},
		{100, 5, 20},
		{1, 5, 0.2},
		{47, 5, 10},
		{900, 5, 200},
		{3, 10, 0.5},
		{0, 5, 1},
		{math.NaN(), 5, 1},
	} {
		if got := niceStep(tc.span, tc.count); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("niceStep(%v, %d) = %v, want %v", tc.span, tc.count, got, tc.want)
		}
	}
}

func TestTicksAndLabels(t *testing.T) {
	got := ticks(0, 1, 0.1)
	if len(got) != 11 {
		t.Fatalf("ticks(0, 1, 0.1) = %v: want 11 ticks including both ends", got)
	}
	var labels []string
	for _, v := range got {
		labels = append(labels, formatTick(v, 0.1))
	}
	if want := "0.0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.0"; strings.Join(labels, " ") != want {
		t.Errorf("labels %q, want %q", strings.Join(labels, " "), want)
	}
	for _, tc := range []struct {
		v, step float64
		want    string
	}{
		{1000, 200, "1000"},
		{0.25, 0.05, "0.25"},
		{math.Copysign(0, -1), 1, "0"}, // negative zero
	} {
		if got := formatTick(tc.v, tc.step); got != tc.want {
			t.Errorf("formatTick(%v, %v) = %q, want %q", tc.v, tc.step, got, tc.want)
		}
	}
}
