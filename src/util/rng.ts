/**
 * A small seeded pseudo-random number generator and the samplers the simulations need. Every random
 * figure kasc reports comes from here, so the same seed gives the same bytes on every machine
 * (Math.random is never used).
 *
 * The generator is mulberry32 (Tommy Ettinger, public domain): a 32-bit state advanced by a Weyl
 * sequence and scrambled by two multiply-xorshift rounds; period 2^32, passes gjrand's and
 * PractRand's basic batteries up to a few GB, which is far more than any simulation here draws.
 */

/** mulberry32: the next 32-bit state and a uniform float in [0, 1) from it. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded random source with the samplers kasc uses. `derive` gives an independent stream for a
 * sub-task (one per deployment, one per controller, …) so that adding a draw in one place does not
 * shift every other figure.
 */
export class Rng {
  private readonly next: () => number;
  private spare: number | null = null;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** A new generator whose seed mixes this seed with `salt` (splitmix32-style finalizer). */
  derive(salt: number): Rng {
    let z = (this.seed ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return new Rng((z ^ (z >>> 16)) >>> 0);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal, by the Box–Muller transform (two draws give two normals; the second is kept). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal: exp(mu + sigma·Z). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = t;
    }
    return xs;
  }
}

/** Zipf weights 1/r^s for ranks r = 1..n (unnormalized), in rank order. */
export function zipfWeights(n: number, s: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s));
}

/** A sampler of ranks 0..n−1 with probability ∝ 1/(r+1)^s, by inversion of the cumulative weights. */
export function zipfSampler(n: number, s: number, rng: Rng): () => number {
  const w = zipfWeights(n, s);
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cdf[i] = acc += w[i]!;
  return () => {
    const x = rng.uniform() * acc;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/**
 * Memoizes a pure, seeded simulation by its JSON-encoded inputs, keeping the `capacity` most recently
 * used results. A language server or a fuzzer recompiles the same deployment on every edit; its
 * seeded estimates are the same bytes each time, so they are computed once.
 */
export function memoizeSimulation<A extends unknown[], R>(f: (...args: A) => R, capacity = 32): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args: A) => {
    const key = JSON.stringify(args);
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const r = f(...args);
    cache.set(key, r);
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    return r;
  };
}
