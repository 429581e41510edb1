/**
 * What a placement problem must satisfy before any policy runs. Each failure is a sentence a user can
 * act on; the CLI prints it as a diagnostic and the pass reports it with a registry code.
 */
import type { Layout } from './types.js';

export interface LayoutProblem {
  /** Which rule: a stable key the pass maps to a diagnostic code. */
  readonly rule: 'positive' | 'slotsPerGpu' | 'gpusPerNode' | 'groupsDivideExperts' | 'tooFewSlots' | 'nodeTooSmall' | 'loads';
  readonly message: string;
  readonly help: string;
}

/** Checks the layout against E experts; returns the first problem, or undefined when it is sound. */
export function checkLayout(layout: Layout, experts: number): LayoutProblem | undefined {
  const { slots: R, groups: G, nodes: N, gpus: P } = layout;
  for (const [name, v] of [['slots', R], ['groups', G], ['nodes', N], ['gpus', P]] as const) {
    if (!Number.isInteger(v) || v < 1) return { rule: 'positive', message: `\`${name}\` must be a positive whole number, found ${v}`, help: `give \`${name}\` as a count` };
  }
  if (R % P !== 0) return { rule: 'slotsPerGpu', message: `${R} slots do not divide evenly over ${P} GPUs`, help: `every GPU holds R/P slots: choose slots as a multiple of ${P}, e.g. ${Math.ceil(R / P) * P}` };
  if (P % N !== 0) return { rule: 'gpusPerNode', message: `${P} GPUs do not divide evenly over ${N} nodes`, help: `use a GPU count that is a multiple of ${N}` };
  if (experts % G !== 0) return { rule: 'groupsDivideExperts', message: `${G} groups do not divide ${experts} experts`, help: `groups hold consecutive experts, E/G each: use a divisor of ${experts}` };
  if (R < experts) return { rule: 'tooFewSlots', message: `${R} slots cannot hold ${experts} experts`, help: `every expert needs at least one slot: use at least ${Math.ceil(experts / P) * P} slots` };
  if (G % N === 0 && (experts / N) > R / N) {
    return { rule: 'nodeTooSmall', message: `each node must hold ${experts / N} experts (${G / N} whole groups) but has ${R / N} slots`, help: `use at least ${experts} slots` };
  }
  return undefined;
}

/** Checks loads: a non-empty list of layers, each with E finite non-negative numbers. */
export function checkLoads(loads: readonly (readonly number[])[]): LayoutProblem | undefined {
  if (loads.length === 0) return { rule: 'loads', message: 'the loads hold no layer', help: 'give one row of expert loads per MoE layer' };
  const e = loads[0]!.length;
  if (e === 0) return { rule: 'loads', message: 'layer 0 has no expert loads', help: 'give one load per expert' };
  for (let l = 0; l < loads.length; l++) {
    const row = loads[l]!;
    if (row.length !== e) return { rule: 'loads', message: `layer ${l} has ${row.length} loads, but layer 0 has ${e}`, help: 'every layer needs one load per expert (the same count on every row)' };
    for (let i = 0; i < row.length; i++) {
      const x = row[i]!;
      if (typeof x !== 'number' || !Number.isFinite(x)) return { rule: 'loads', message: `layer ${l}, expert ${i}: the load is not a finite number`, help: 'loads are token counts or fractions: plain numbers' };
      if (x < 0) return { rule: 'loads', message: `layer ${l}, expert ${i}: the load ${x} is negative`, help: 'loads count routed tokens and cannot be negative' };
    }
  }
  return undefined;
}
