package main

import (
	"errors"
	"flag"
	"math"
	"strconv"
	"strings"
	"time"
)

// The kinds of setting values, each with the one sentence that says what it accepts. A flag
// and its environment variable parse through the same Set, so a wrong value reads the same
// whichever way it came, and never in Go's words (strconv.Atoi, time.ParseDuration).

// boolValue is true or false (also 1/0, t/f, yes/no, on/off).
type boolValue struct{ p *bool }

func (v boolValue) String() string {
	if v.p == nil {
		return "false"
	}
	return strconv.FormatBool(*v.p)
}

func (v boolValue) Set(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "yes", "y", "on":
		*v.p = true
	case "0", "f", "false", "no", "n", "off":
		*v.p = false
	default:
		return errors.New("must be true or false")
	}
	return nil
}

// IsBoolFlag lets -seed stand for -seed=true, as the flag package does for its own booleans.
func (boolValue) IsBoolFlag() bool { return true }

// positiveInt is a whole number of at least 1: no limit of ours means anything at zero.
type positiveInt struct{ p *int }

func (v positiveInt) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v positiveInt) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return errors.New("must be a whole number of at least 1")
	}
	*v.p = n
	return nil
}

// rate is a number of at least 0 (0 lifts a limit), with a fraction if need be.
type rate struct{ p *float64 }

func (v rate) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*v.p, 'f', -1, 64)
}

func (v rate) Set(s string) error {
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return errors.New("must be a number of at least 0, such as 200 or 0.5")
	}
	*v.p = n
	return nil
}

// positiveDuration is a length of time above zero, with its unit.
type positiveDuration struct{ p *time.Duration }

func (v positiveDuration) String() string {
	if v.p == nil {
		return "0s"
	}
	return v.p.String()
}

func (v positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return errors.New("must be a length of time above zero with its unit, such as 500us, 1ms or 2s")
	}
	*v.p = d
	return nil
}

// ttl is a length of time of at least zero, with its unit; 0 turns a cache off.
type ttl struct{ p *time.Duration }

func (v ttl) String() string {
	if v.p == nil {
		return "0s"
	}
	return v.p.String()
}

func (v ttl) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return errors.New("must be a length of time with its unit, such as 30s or 5m, or 0 to turn the cache off")
	}
	*v.p = d
	return nil
}

var (
	_ flag.Value = ttl{}
	_ flag.Value = boolValue{}
	_ flag.Value = positiveInt{}
	_ flag.Value = rate{}
	_ flag.Value = positiveDuration{}
)
