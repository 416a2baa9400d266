// The one shape every benchmark reports in, so that `npm run bench` prints one table and writes
// bench/results.json. A benchmark returns an array of rows; it throws when it could not measure.

/**
 * A measurement compared side by side with a baseline measured in the same run.
 * `higherIsBetter`: true for rates (events/s, MiB/s), false for costs (µs per call, ms).
 * `ratio` is always our speed over the baseline's: 1.00 is as fast, above 1 faster.
 * `minRatio` is the target, when there is one.
 */
export function comparedRow({ area, measure, value, unit, baseline, baselineValue, higherIsBetter, minRatio }) {
  const ratio = higherIsBetter ? value / baselineValue : baselineValue / value;
  return {
    area,
    measure,
    value: round(value),
    unit,
    baseline,
    baselineValue: round(baselineValue),
    ratio: Math.round(ratio * 100) / 100,
    target: minRatio === undefined ? null : `≥ ${minRatio.toFixed(2)}×`,
    met: minRatio === undefined ? null : ratio >= minRatio,
  };
}

/** A measurement against an absolute limit (peak RSS under 96 MiB) or none (a plain fact). */
export function limitRow({ area, measure, value, unit, below }) {
  return {
    area,
    measure,
    value: round(value),
    unit,
    baseline: null,
    baselineValue: null,
    ratio: null,
    target: below === undefined ? null : `< ${below} ${unit}`,
    met: below === undefined ? null : value < below,
  };
}

function round(value) {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}
