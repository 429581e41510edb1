/**
 * What a search is asked for: the operator's interface (input and output dimensions with symbolic
 * sizes), the bindings under which every size must be a positive integer, the primitives and the
 * sizes they may introduce, and the limits. The `search` block of the language lowers to this
 * (not yet: see README.md, "Left for later").
 */
import type { PrimitiveKind } from './ir.js';
import type { Binding, Size } from './size.js';

export interface NamedSize {
  readonly name: string;
  readonly size: Size;
}

export interface SearchSpec {
  readonly name: string;
  readonly inputs: readonly NamedSize[];
  readonly outputs: readonly NamedSize[];
  /** Every size the search creates must be a positive integer under each of these. */
  readonly bindings: readonly Binding[];
  readonly primitives: readonly PrimitiveKind[];
  /** Sizes a Reduce may introduce. */
  readonly reduceSizes: readonly Size[];
  /** Inner (block) sizes a Merge may split off. */
  readonly blockSizes: readonly Size[];
  /** Strides a Stride may apply (to an Unfold window: dilation). */
  readonly strideSizes: readonly Size[];
  /** Most construction steps (primitive applications) in one operator. */
  readonly maxDepth: number;
  readonly maxWeights: number;
  readonly maxReductions: number;
  /**
   * Small bindings on which the semantic fingerprint evaluates the index relation. Each must also
   * satisfy `bindings`' divisibility; two different ones make accidental coincidences unlikely.
   */
  readonly fingerprintBindings: readonly Binding[];
}
