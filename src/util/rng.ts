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
 * The ziggurat for the standard normal (G. Marsaglia and W. W. Tsang, "The ziggurat method for
 * generating random variables", J. Stat. Softw. 5(8), 2000): 128 layers of equal area V under
 * f(x) = exp(−x²/2), x ≥ 0. Layer 0 is the base strip of width V / f(R) (it holds the tail beyond R);
 * layer i ≥ 1 spans x ∈ [0, X[i]] between heights f(X[i]) and f(X[i+1]); X[128] = 0. R and V are the
 * paper's constants for 128 layers; the recurrence X[i+1] = f⁻¹(V / X[i] + f(X[i])) closes the top
 * layer's area to 1e−9 of V.
 */
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_X = new Float64Array(129);
const ZIG_F = new Float64Array(129);
ZIG_X[0] = ZIG_V / Math.exp(-0.5 * ZIG_R * ZIG_R);
ZIG_X[1] = ZIG_R;
for (let i = 1; i < 127; i++) ZIG_X[i + 1] = Math.sqrt(-2 * Math.log(ZIG_V / ZIG_X[i]! + Math.exp(-0.5 * ZIG_X[i]! * ZIG_X[i]!)));
ZIG_X[128] = 0;
for (let i = 0; i <= 128; i++) ZIG_F[i] = Math.exp(-0.5 * ZIG_X[i]! * ZIG_X[i]!);
/** A draw's signed 25-bit h ∈ (−2²⁴, 2²⁴) maps to x = h·W[i]; it lies in layer i's rectangle when |h| < K[i]. */
const ZIG_W = new Float64Array(128);
const ZIG_K = new Float64Array(128);
for (let i = 0; i < 128; i++) {
  ZIG_W[i] = ZIG_X[i]! / 16777216;
  ZIG_K[i] = (ZIG_X[i + 1]! / ZIG_X[i]!) * 16777216;
}

/**
 * A seeded random source with the samplers kasc uses. `derive` gives an independent stream for a
 * sub-task (one per deployment, one per controller, …) so that adding a draw in one place does not
 * shift every other figure.
 */
export class Rng {
  /** mulberry32's state, kept as an int32 (the same bits as `mulberry32`'s uint32). */
  private state: number;
  private spare: number | null = null;

  constructor(readonly seed: number) {
    this.state = seed | 0;
  }

  /** A new generator whose seed mixes this seed with `salt` (splitmix32-style finalizer). */
  derive(salt: number): Rng {
    let z = (this.seed ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return new Rng((z ^ (z >>> 16)) >>> 0);
  }

  /** The next 32-bit output of mulberry32, as an unsigned integer. */
  u32(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * Standard normal, by the Box–Muller transform (two draws give two normals; the second is kept).
   * The placement pass' synthetic loads use it; the simulations use `gaussian` (faster, another stream).
   */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Standard normal by the ziggurat (above): exact, about 4× faster than Box–Muller here. One 32-bit
   * draw t gives the layer i (bits 0–6) and, from bits 7–31, a signed h = (t >> 7) + ½ — so layer and
   * value come from disjoint bits, and the grid is symmetric about 0; x = h·X[i]/2²⁴. 97 % of draws
   * end when |x| < X[i+1]; the rest take a wedge test (one more draw and an exp) or, from the base
   * layer, Marsaglia's tail sampler beyond R. Values in layer i lie on a grid of X[i]·2⁻²⁴ (≤ 2.2e−7).
   */
  gaussian(): number {
    for (;;) {
      const t = this.u32() | 0;
      const i = t & 127;
      const h = (t >> 7) + 0.5;
      if (Math.abs(h) < ZIG_K[i]!) return h * ZIG_W[i]!;
      const y = this.slowGaussian(i, h * ZIG_W[i]!);
      if (y === y) return y;
    }
  }

  /**
   * Fills out[from..to) with standard normals: the same values, in the same order, as that many calls
   * of `gaussian`, with the generator's state in a local (the simulations' hot loops call this).
   */
  fillGaussian(out: Float64Array, from = 0, to = out.length): void {
    const K = ZIG_K;
    const W = ZIG_W;
    let a = this.state;
    for (let k = from; k < to; k++) {
      for (;;) {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), a | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        t ^= t >>> 14;
        const i = t & 127;
        const h = (t >> 7) + 0.5;
        if (Math.abs(h) < K[i]!) {
          out[k] = h * W[i]!;
          break;
        }
        // The rare slow path (3 % of draws) may draw more: hand the state over and take it back.
        this.state = a;
        const y = this.slowGaussian(i, h * W[i]!);
        a = this.state;
        if (y === y) {
          out[k] = y;
          break;
        }
      }
    }
    this.state = a;
  }

  /** The ziggurat's slow path for x in layer i outside its rectangle: a normal, or NaN to draw again. */
  private slowGaussian(i: number, x: number): number {
    if (i === 0) {
      // The tail beyond R (Marsaglia 1964): R + a with a ~ Exp(R), accepted with prob. exp(−a²/2).
      let a: number;
      let b: number;
      do {
        a = -Math.log(1 - this.uniform()) / ZIG_R;
        b = -Math.log(1 - this.uniform());
      } while (b + b < a * a);
      return x < 0 ? -(ZIG_R + a) : ZIG_R + a;
    }
    // The wedge between the layer's rectangle and the curve.
    return ZIG_F[i]! + this.uniform() * (ZIG_F[i + 1]! - ZIG_F[i]!) < Math.exp(-0.5 * x * x) ? x : NaN;
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
