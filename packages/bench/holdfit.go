package bench

// The saturation rate from every recorded slice of the search: a slice either holds its rate or not, and near
// capacity that outcome is random (a 40 ms stall of a 2-core machine trips the p99 bound or leaves requests
// unsent at one rate and spares the next one up). The highest held rate of a round is an extreme value of that
// noise; the rate at which a slice holds with probability ½, from a logistic fit of held against log rate over
// all of a target's slices, uses every slice the search made (psychometric-function fit of an adaptive staircase).

import "math"

// HoldPoint is one recorded slice of the saturation search.
type HoldPoint struct {
	Rate float64
	Held bool
}

// holdRidge is the L2 penalty on the slope: it keeps the fit finite when the held and not-held rates do not
// overlap (then the ½ point lies between the highest held and the lowest not-held rate).
const holdRidge = 0.01

// HoldRate50 fits P(held | rate) = 1 / (1 + exp(−(a + b·ln rate))) by penalised maximum likelihood (Newton's
// method) and returns the rate where that probability is ½. ok is false without both a held and a not-held
// slice, or when the fitted probability does not fall with the rate.
func HoldRate50(ps []HoldPoint) (rate float64, ok bool) {
	var held, failed int
	mean := 0.0
	for _, p := range ps {
		if p.Rate <= 0 {
			return 0, false
		}
		if p.Held {
			held++
		} else {
			failed++
		}
		mean += math.Log(p.Rate)
	}
	if held == 0 || failed == 0 {
		return 0, false
	}
	mean /= float64(len(ps))
	a, b := 0.0, 0.0 // intercept and slope in centred log rate
	for it := 0; it < 100; it++ {
		var ga, gb, haa, hab, hbb float64
		for _, p := range ps {
			x := math.Log(p.Rate) - mean
			q := 1 / (1 + math.Exp(-(a + b*x)))
			y := 0.0
			if p.Held {
				y = 1
			}
			w := q * (1 - q)
			ga += y - q
			gb += (y - q) * x
			haa += w
			hab += w * x
			hbb += w * x * x
		}
		gb -= holdRidge * b
		hbb += holdRidge
		det := haa*hbb - hab*hab
		if det <= 0 || math.IsNaN(det) {
			return 0, false
		}
		da, db := (hbb*ga-hab*gb)/det, (haa*gb-hab*ga)/det
		a, b = a+da, b+db
		if math.Abs(da)+math.Abs(db) < 1e-10 {
			break
		}
	}
	if !(b < 0) {
		return 0, false
	}
	return math.Exp(mean - a/b), true
}
