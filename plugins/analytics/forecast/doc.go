// Package forecast forecasts a monthly series (an organization's revenue)
// 1–12 steps ahead with 80 % and 95 % prediction intervals.
//
// Candidates are exponential smoothing (ETS) models — simple, Holt's
// linear trend, damped trend, and Holt-Winters with additive or
// multiplicative seasonality — plus the benchmarks mean, naive, drift and
// seasonal naive, and the combination of the last year's mean with the
// seasonal naive forecast for histories of one or two seasons. ETS smoothing parameters are fitted by least squares
// (the maximum-likelihood estimate for additive errors) with gonum's
// Nelder-Mead; initial states come from the classical heuristic of
// Hyndman et al., "Forecasting with Exponential Smoothing" (2008), §2.6.1.
//
// The model is chosen per series by a rolling-origin backtest (1–3 steps
// ahead from every origin that leaves enough history to fit), lowest mean
// absolute scaled error wins, and that backtest's error is reported with the
// forecast: MAPE, MASE (Hyndman & Koehler 2006: the error scaled by the
// in-sample mean absolute error of the seasonal naive forecast of the same
// training window), the ratio of the model's absolute error to that of the
// seasonal naive forecast on the same held-out months, and the share of
// held-out months inside the 80 % and 95 % intervals. The backtest that
// chose the model also scores it, so its figures are slightly optimistic;
// Result.Notes says so.
//
// Intervals are analytic for the linear models (the class-1 variance
// formulas, Hyndman et al. 2008, Table 6.1 and §6.3; and the benchmark
// formulas of Hyndman & Athanasopoulos, "Forecasting: Principles and
// Practice", 3rd ed., §5.5) and empirical for multiplicative seasonality,
// which has no closed form: paths simulated with the model's own recursion
// from bootstrapped one-step residuals (fixed seed, so a forecast is
// reproducible). Result.IntervalMethod says which.
//
// Short history is said, not hidden: seasonal models need two full seasons
// plus backtest origins; with less the seasonal candidates are dropped and
// Notes says why; with fewer than MinPoints observations there is no
// forecast at all (ErrTooShort).
//
// Values are float64: a forecast is a statistical estimate. Callers round
// and present them as decimal amounts with their currency.
package forecast
