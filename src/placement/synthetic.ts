/**
 * Seeded synthetic expert loads, for benchmarks and for deployments that name a distribution instead
 * of measured loads. Same seed, same loads, on every machine.
 *
 *  - zipf(s): expert loads proportional to rank^−s (rank 1 the hottest), the ranks shuffled over the
 *    experts independently per layer — the long-tailed popularity measured on MoE routers.
 *  - lognormal(σ): loads exp(σ·Z), Z standard normal, independent per expert and layer.
 *
 * Loads are scaled so that they sum to `tokens` per layer (the unit is immaterial to imbalance).
 */
import { Rng } from '../util/rng.js';

export type Synthetic = { readonly kind: 'zipf'; readonly exponent: number } | { readonly kind: 'lognormal'; readonly sigma: number };

/** Loads for `layers` layers of `experts` experts, from `seed`. */
export function syntheticLoads(dist: Synthetic, layers: number, experts: number, seed: number, tokens = experts): number[][] {
  const rng = new Rng(seed);
  const out: number[][] = [];
  for (let l = 0; l < layers; l++) {
    let w: number[];
    if (dist.kind === 'zipf') {
      const rank = rng.shuffle(Array.from({ length: experts }, (_, i) => i + 1));
      w = rank.map((r) => Math.pow(r, -dist.exponent));
    } else {
      w = Array.from({ length: experts }, () => rng.lognormal(0, dist.sigma));
    }
    const sum = w.reduce((a, b) => a + b, 0);
    out.push(w.map((x) => (x / sum) * tokens));
  }
  return out;
}
