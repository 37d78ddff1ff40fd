package bench

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Slices from a known hold curve (½ at 2000 req/s): the fit finds it within a few per cent from 60 slices,
// while the highest held rate sits well above it.
func TestHoldRate50RecoversTheHalfPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 20; trial++ {
		var ps []HoldPoint
		for i := 0; i < 60; i++ {
			r := 1400 * math.Pow(2, rng.Float64()) // 1400–2800
			pHeld := 1 / (1 + math.Exp(12*math.Log(r/2000)))
			ps = append(ps, HoldPoint{Rate: r, Held: rng.Float64() < pHeld})
		}
		got, ok := HoldRate50(ps)
		if !ok || math.Abs(got/2000-1) > 0.06 {
			t.Fatalf("trial %d: %v %v", trial, got, ok)
		}
	}
}

func TestHoldRate50Separable(t *testing.T) {
	got, ok := HoldRate50([]HoldPoint{{1000, true}, {1500, true}, {1800, true}, {2200, false}, {3000, false}})
	if !ok || got <= 1800 || got >= 2200 {
		t.Fatalf("%v %v", got, ok)
	}
	for _, ps := range [][]HoldPoint{{{1000, true}, {2000, true}}, {{1000, false}}, nil, {{0, true}, {1, false}}} {
		if _, ok := HoldRate50(ps); ok {
			t.Errorf("%v: fitted", ps)
		}
	}
}
