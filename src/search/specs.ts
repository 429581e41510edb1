/**
 * Small reference specs for counting and testing the search space (the benchmark specs of issue 7
 * will be larger; these keep exhaustive enumeration to depth 4 within seconds): linear `x[C_in] →
 * y[C_out]`, 1-D sequence `x[C, L] → y[C, L]` and 2-D image `x[C_in, H, W] → y[C_out, H, W]`.
 *
 * Fingerprint bindings are chosen so that no two distinct sizes of a spec coincide on both of them
 * (e.g. g = C_in/g = 2 on the first linear binding but not on the second); otherwise two different
 * symbolic operators could share an index relation by numerical accident.
 */
import { ALL_PRIMITIVES } from './ir.js';
import { coefficient, constant, div, primary } from './size.js';
import type { SearchSpec } from './spec.js';

/** x[C_in] → y[C_out]: dense, grouped, low-rank and their relatives. */
export function linearSpec(maxDepth = 4): SearchSpec {
  const C_in = primary('C_in');
  const C_out = primary('C_out');
  const g = coefficient('g');
  const r = coefficient('r');
  return {
    name: 'linear',
    inputs: [{ name: 'c', size: C_in }],
    outputs: [{ name: 'c', size: C_out }],
    bindings: [{ C_in: 64, C_out: 128, g: 4, r: 8 }],
    primitives: ['reduce', 'share', 'expand', 'merge', 'split', 'shift'],
    reduceSizes: [C_in, div(C_in, g), r],
    blockSizes: [g, div(C_out, g)],
    strideSizes: [],
    maxDepth,
    maxWeights: 2,
    maxReductions: 2,
    fingerprintBindings: [
      { C_in: 4, C_out: 6, g: 2, r: 3 },
      { C_in: 6, C_out: 8, g: 2, r: 5 },
    ],
  };
}

/** x[C, L] → y[C, L]: depthwise and pointwise convolutions, shifts, pooling. */
export function sequenceSpec(maxDepth = 4): SearchSpec {
  const C = primary('C');
  const L = primary('L');
  const k = coefficient('k');
  return {
    name: 'sequence-1d',
    inputs: [
      { name: 'c', size: C },
      { name: 'l', size: L },
    ],
    outputs: [
      { name: 'c', size: C },
      { name: 'l', size: L },
    ],
    bindings: [{ C: 64, L: 1024, k: 3 }],
    primitives: ALL_PRIMITIVES,
    reduceSizes: [C, k],
    blockSizes: [k],
    strideSizes: [constant(2)],
    maxDepth,
    maxWeights: 2,
    maxReductions: 2,
    fingerprintBindings: [
      { C: 2, L: 6, k: 3 },
      { C: 3, L: 4, k: 2 },
    ],
  };
}

/**
 * x[C_in, H, W] → y[C_out, H, W]: 2-D convolutions — full, depthwise, depthwise-separable (a k×k
 * filter per input channel, then a pointwise C_in → C_out layer), shifts and k×k pooling. Two
 * spatial primary variables, so two Unfolds (one per axis) can share the kernel size k; three
 * reductions (C_in and one k per axis) are what depthwise-separable conv2d needs. H and W are
 * multiples of k under every binding, so k×k pooling (Merge by k) is legal on both axes.
 *
 * Fingerprint bindings keep distinct sizes distinct: on the first C_out = k = H/k and C_in = W/k, on
 * the second C_in = H/k and k = W/k, and H ≠ W on both, so no pair of the sizes C_in, C_out, H, W,
 * k, H/k, W/k coincides on both bindings (test/search/counts.test.ts checks this for every spec).
 */
export function image2dSpec(maxDepth = 4, maxReductions = 3): SearchSpec {
  const C_in = primary('C_in');
  const C_out = primary('C_out');
  const H = primary('H');
  const W = primary('W');
  const k = coefficient('k');
  return {
    name: 'image-2d',
    inputs: [
      { name: 'c', size: C_in },
      { name: 'h', size: H },
      { name: 'w', size: W },
    ],
    outputs: [
      { name: 'c', size: C_out },
      { name: 'h', size: H },
      { name: 'w', size: W },
    ],
    bindings: [{ C_in: 32, C_out: 64, H: 24, W: 24, k: 3 }],
    primitives: ALL_PRIMITIVES,
    reduceSizes: [C_in, k],
    blockSizes: [k],
    strideSizes: [constant(2)],
    maxDepth,
    maxWeights: 2,
    maxReductions,
    fingerprintBindings: [
      { C_in: 3, C_out: 2, H: 4, W: 6, k: 2 },
      { C_in: 2, C_out: 4, H: 6, W: 9, k: 3 },
    ],
  };
}
