// Package v1stats answers v1's five analytics tools (analyze_feedback,
// analyze_usage_data, analyze_adoption_risks, analyze_ab_test,
// analyze_segment_adoption) on the data the caller gives them, with the
// statistics done properly where v1 guessed: the A/B test chooses between
// the two-proportion z-test and Fisher's exact test by the expected counts,
// states its assumptions, and gives the p-value and a confidence interval
// at the level asked for (v1 used 2.58 for every level but 0.95); means come
// with t intervals and trends with the slope's p-value. Distributions come
// from gonum (stat, stat/distuv, stat/combin), never written by hand.
//
// The package is pure computation: no Billy data, no state.
package v1stats
