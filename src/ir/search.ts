/**
 * The typed IR of a `search` block: the declared operator search with every default, derived binding
 * and relative budget resolved (src/semantics/check-search.ts), and its target GPU lowered. Sizes stay
 * plain monomials here; src/search/lower.ts turns this into the search's `SearchSpec` and
 * `SearchRequest` (interned sizes, library operators) only when `kasc search` runs, so building a
 * report never runs or prepares a search.
 */
import type { Span } from '../diagnostics/diagnostic.js';
import type { ResolvedSearch } from '../semantics/check-search.js';
import type { GpuIR } from './hardware.js';

export interface SearchIR extends ResolvedSearch {
  readonly span: Span;
  /** The GPU of `target = …`; null without one (no latency figures). */
  readonly target: GpuIR | null;
}
