/**
 * A `search` block as declared, for report.json / report.md (`kasc build` lists searches without
 * running them) and for the `declared` section of search.json: interface, variables and bindings,
 * sizes, limits, absolute budgets (with the reference operator they came from), fitness, strategy.
 */
import type { SearchIR } from '../../ir/search.js';
import { showMonomial } from '../../semantics/search-sizes.js';

/** `[C, L] → [C, L]`. */
export function interfaceText(ir: Pick<SearchIR, 'input' | 'output'>): string {
  return `[${ir.input.map(showMonomial).join(', ')}] → [${ir.output.map(showMonomial).join(', ')}]`;
}

/** The declared search as report.json and search.json list it (no results). */
export function declaredSearchJson(ir: SearchIR) {
  const budget = (b: SearchIR['flops']) => (b ? { limit: b.limit, ...(b.operator ? { relativeTo: b.operator, factor: b.factor } : {}) } : null);
  return {
    interface: { input: ir.input.map(showMonomial), output: ir.output.map(showMonomial) },
    variables: ir.variables.map((v) => ({ name: v.name, kind: v.kind })),
    bindings: ir.bindings,
    primitives: ir.primitives,
    reduceSizes: ir.reduceSizes.map(showMonomial),
    blockSizes: ir.blockSizes.map(showMonomial),
    strideSizes: ir.strideSizes.map(showMonomial),
    limits: ir.limits,
    budget: { flops: budget(ir.flops), params: budget(ir.params) },
    target: ir.target ? { name: ir.target.name } : null,
    fitness: {
      kind: ir.fitness.kind,
      teacher: ir.fitness.operator,
      samples: ir.fitness.samples,
      heldOut: ir.fitness.heldOut,
      seed: ir.fitness.seed,
      binding: ir.fitness.binding,
      bindingDerived: ir.fitness.bindingDerived,
      ...(ir.fitness.command !== null ? { command: ir.fitness.command } : {}),
    },
    strategy: ir.strategy,
    seed: ir.seed,
    keep: ir.keep,
    kernels: ir.kernels,
    fingerprintBindings: ir.fingerprintBindings,
    fingerprintDerived: ir.fingerprintDerived,
  };
}

