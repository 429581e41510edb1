/**
 * The expert-placement problem and its answer, for one MoE layer.
 *
 * Loads `w[e]` (tokens routed to logical expert e), R physical slots on P GPUs (R/P slots each; slot s
 * lives on GPU floor(s / (R/P))), G expert groups (consecutive experts, E/G each) and N nodes (P/N
 * GPUs each). A placement is `phy2log` (slot → logical expert); every expert has at least one slot, and
 * an expert with c replicas sends w[e]/c tokens to each (the split every EPLB consumer assumes).
 */

export interface Layout {
  /** R: physical expert slots in all. */
  readonly slots: number;
  /** G: expert groups (consecutive logical experts). */
  readonly groups: number;
  /** N: nodes. */
  readonly nodes: number;
  /** P: GPUs. */
  readonly gpus: number;
}

export interface LayerPlacement {
  /** Slot → logical expert. */
  readonly phy2log: readonly number[];
}

/** Replica count of every logical expert. */
export function replicaCounts(phy2log: readonly number[], experts: number): number[] {
  const c = new Array<number>(experts).fill(0);
  for (const e of phy2log) c[e]!++;
  return c;
}

/**
 * Per-GPU load: GPU g carries Σ over its slots s of w[phy2log[s]] / c[phy2log[s]] (each replica takes an
 * equal share of its expert's tokens).
 */
export function gpuLoads(w: readonly number[], phy2log: readonly number[], gpus: number): number[] {
  const c = replicaCounts(phy2log, w.length);
  const perGpu = phy2log.length / gpus;
  const loads = new Array<number>(gpus).fill(0);
  for (let s = 0; s < phy2log.length; s++) {
    const e = phy2log[s]!;
    loads[Math.floor(s / perGpu)]! += w[e]! / c[e]!;
  }
  return loads;
}

/**
 * Imbalance = max GPU load / mean GPU load (1 is perfect; 1 as well when nothing is routed). The mean
 * is W/P from the expert loads themselves, not the sum of the GPU loads, so two placements of one layer
 * compare by their largest GPU load alone, free of float summation order.
 */
export function imbalance(loads: readonly number[], w: readonly number[]): number {
  const total = w.reduce((a, b) => a + b, 0);
  return total > 0 ? Math.max(...loads) / (total / loads.length) : 1;
}

/** The node that GPU g belongs to (P/N GPUs per node, consecutive). */
export function nodeOfGpu(g: number, layout: Layout): number {
  return Math.floor(g / (layout.gpus / layout.nodes));
}

/** The group of logical expert e (E/G consecutive experts per group). */
export function groupOf(e: number, experts: number, groups: number): number {
  return Math.floor(e / (experts / groups));
}

/** Whether the layout is hierarchical (G % N == 0: whole groups per node, node-limited routing kept). */
export function isHierarchical(layout: Layout): boolean {
  return layout.groups % layout.nodes === 0;
}
