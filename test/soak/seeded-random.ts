// Reproducible randomness for the soak tests. Each run takes a seed (SOAK_SEED, or a fresh one that
// the test prints when it fails); every call, stream and connection draws from a generator forked
// from it by index, so what one of them does is the same however the others interleave.

export type Random = () => number;

/** The run's seed: SOAK_SEED to replay a failure, otherwise a new one. */
export function soakSeed(): number {
  const given = process.env.SOAK_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new Error(`SOAK_SEED must be a uint32: ${given}`);
    return seed;
  }
  return (Math.random() * 0x100000000) >>> 0;
}

/** mulberry32: small, fast, and good enough to pick faults. Values in [0, 1). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

/** An independent generator for item `index` of stream `salt` (calls, SSE streams, sockets, ...). */
export function forkRandom(seed: number, salt: number, index: number): Random {
  // Mix the three numbers so that neighbouring indices do not start from neighbouring states.
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return seededRandom((h ^ (h >>> 16)) >>> 0);
}

/** One key of `weights`, drawn in proportion to its weight. */
export function pick<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  let left = random() * entries.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [key, weight] of entries) {
    left -= weight;
    if (left < 0) return key;
  }
  return entries[entries.length - 1]![0];
}

/** An integer in [min, max]. */
export function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
