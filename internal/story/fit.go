package story

import (
	"fmt"
	"math"
	"slices"
)

// Fit fits the learned model to examples by L2-penalised logistic
// regression (Newton's method on the standardised features; the penalty
// lambda·|coef|²/2 spares the bias), and records each feature's range
// (see Weights.Lo). Threshold is left to the caller.
func Fit(ex []Example, lambda float64) (*Weights, error) {
	nf := len(featureNames)
	if len(ex) == 0 {
		return nil, fmt.Errorf("story fit: no examples")
	}
	w := &Weights{Version: WeightsVersion, Features: FeatureNames(), Mean: make([]float64, nf), Scale: make([]float64, nf),
		Coef: make([]float64, nf), Lambda: lambda, Threshold: 0.5}
	w.Lo, w.Hi = slices.Clone(ex[0].X), slices.Clone(ex[0].X)
	for _, e := range ex {
		for i, x := range e.X {
			w.Mean[i] += x / float64(len(ex))
			w.Lo[i], w.Hi[i] = min(w.Lo[i], x), max(w.Hi[i], x)
		}
	}
	for _, e := range ex {
		for i, x := range e.X {
			w.Scale[i] += (x - w.Mean[i]) * (x - w.Mean[i]) / float64(len(ex))
		}
	}
	for i, v := range w.Scale {
		// A feature constant over the examples (no outlet shared in a
		// one-outlet window) gets scale 1: its coefficient stays 0.
		w.Scale[i] = math.Sqrt(v)
		if w.Scale[i] < 1e-9 {
			w.Scale[i] = 1
		}
	}
	// z[i] is row i standardised, with a trailing 1 for the bias.
	d := nf + 1
	z := make([][]float64, len(ex))
	for r, e := range ex {
		z[r] = make([]float64, d)
		for i, x := range e.X {
			z[r][i] = (x - w.Mean[i]) / w.Scale[i]
		}
		z[r][nf] = 1
	}
	beta := make([]float64, d)
	for iter := 0; iter < 50; iter++ {
		g := make([]float64, d)
		h := make([][]float64, d)
		for i := range h {
			h[i] = make([]float64, d)
		}
		for r, e := range ex {
			eta := 0.0
			for i, v := range z[r] {
				eta += beta[i] * v
			}
			p := 1 / (1 + math.Exp(-eta))
			y := 0.0
			if e.Pos {
				y = 1
			}
			q := max(p*(1-p), 1e-12)
			for i, vi := range z[r] {
				g[i] += (p - y) * vi
				for j := 0; j <= i; j++ {
					h[i][j] += q * vi * z[r][j]
				}
			}
		}
		for i := 0; i < nf; i++ {
			g[i] += lambda * beta[i]
			h[i][i] += lambda
		}
		for i := range h {
			for j := i + 1; j < d; j++ {
				h[i][j] = h[j][i]
			}
		}
		step, err := solve(h, g)
		if err != nil {
			return nil, fmt.Errorf("story fit: %w", err)
		}
		size := 0.0
		for i := range beta {
			beta[i] -= step[i]
			size = max(size, math.Abs(step[i]))
		}
		if size < 1e-9 {
			break
		}
	}
	copy(w.Coef, beta[:nf])
	w.Bias = beta[nf]
	return w, nil
}

// solve solves a·x = b for a symmetric positive definite a by Cholesky
// decomposition (a and b are not changed).
func solve(a [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	l := make([][]float64, n)
	for i := range l {
		l[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := 0; k < j; k++ {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if s <= 0 {
					return nil, fmt.Errorf("Hessian not positive definite at %d", i)
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i][k] * y[k]
		}
		y[i] = s / l[i][i]
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < n; k++ {
			s -= l[k][i] * x[k]
		}
		x[i] = s / l[i][i]
	}
	return x, nil
}
