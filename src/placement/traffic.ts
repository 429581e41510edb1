/**
 * Traffic-aware placement: let a replica live off its group's node when that buys balance, and report
 * what it costs. Under node-limited routing a token reaches only the nodes of its chosen groups; a
 * replica of expert e placed on another node takes a 1/c_e share of e's tokens there, and each such
 * token-expert pair may cross to a node the token would not otherwise reach. We count every one as
 * crossing (an upper bound: some of those tokens visit that node anyway), so
 *
 *   off-node fraction f = Σ_e w_e · (off-node replicas of e / c_e) / Σ_e w_e
 *   extra IB bytes per token = f · top_k · bytes moved per token-expert pair (dispatch + combine)
 *
 * Starting from the default (hierarchical) placement, each step relabels one slot on another node from
 * an expert with c ≥ 2 to an expert on the heaviest GPU — the move that lowers the largest GPU load
 * most — until no move helps or `maxSteps` is reached. Each step is a point; the Pareto front keeps the
 * points no other point beats on both imbalance and traffic. Requires G % N == 0 (a group has a home).
 */
import { defaultLayer } from './default.js';
import { gpuLoads, imbalance, replicaCounts, type Layout } from './types.js';

export interface TrafficPoint {
  /** Off-node slots per layer allowed at this point. */
  readonly offNodeSlots: number;
  /** Mean over layers of max/mean GPU load. */
  readonly imbalance: number;
  /** Mean over layers of the off-node fraction f. */
  readonly offNodeFraction: number;
}

/** The home node of each logical expert in a hierarchical placement: where its group's first slot sits. */
function homes(phy2log: readonly number[], experts: number, layout: Layout): number[] {
  const perNode = layout.slots / layout.nodes;
  const home = new Array<number>(experts).fill(-1);
  phy2log.forEach((e, s) => {
    if (home[e] === -1) home[e] = Math.floor(s / perNode);
  });
  return home;
}

/** The off-node fraction of one layer's placement. */
export function offNodeFraction(w: readonly number[], phy2log: readonly number[], home: readonly number[], layout: Layout): number {
  const perNode = layout.slots / layout.nodes;
  const c = replicaCounts(phy2log, w.length);
  const total = w.reduce((a, b) => a + b, 0);
  let off = 0;
  phy2log.forEach((e, s) => {
    if (Math.floor(s / perNode) !== home[e]) off += w[e]! / c[e]!;
  });
  return total > 0 ? off / total : 0;
}

/** One layer's sequence of placements: the default, then one greedy off-node relabel per step. */
export function trafficSteps(w: readonly number[], layout: Layout, maxSteps: number): number[][] {
  const start = defaultLayer(w, layout);
  const perGpu = layout.slots / layout.gpus;
  const perNode = layout.slots / layout.nodes;
  const out = [start];
  let cur = [...start];
  for (let step = 0; step < maxSteps; step++) {
    const L = gpuLoads(w, cur, layout.gpus);
    const c = replicaCounts(cur, w.length);
    let gStar = 0;
    for (let g = 1; g < L.length; g++) if (L[g]! > L[gStar]!) gStar = g;
    const starNode = Math.floor((gStar * perGpu) / perNode);
    const onStar = new Set(cur.slice(gStar * perGpu, (gStar + 1) * perGpu));
    let bestMax = L[gStar]! * (1 - 1e-12);
    let move: [number, number] | undefined;
    for (let s = 0; s < cur.length; s++) {
      const node = Math.floor(s / perNode);
      const a = cur[s]!;
      if (node === starNode || c[a]! < 2) continue;
      for (const b of onStar) {
        if (b === a) continue;
        cur[s] = b;
        const m = Math.max(...gpuLoads(w, cur, layout.gpus));
        cur[s] = a;
        if (m < bestMax) {
          bestMax = m;
          move = [s, b];
        }
      }
    }
    if (!move) break;
    cur[move[0]] = move[1];
    out.push([...cur]);
    cur = [...cur];
  }
  return out;
}

/** The Pareto points over all layers: step budget b = 0 … maxSteps, means over layers. */
export function trafficPareto(loads: readonly (readonly number[])[], layout: Layout, maxSteps: number): { points: TrafficPoint[]; final: number[][] } {
  const steps = loads.map((w) => trafficSteps(w, layout, maxSteps));
  const homesOf = steps.map((s, l) => homes(s[0]!, loads[l]!.length, layout));
  const points: TrafficPoint[] = [];
  for (let b = 0; b <= maxSteps; b++) {
    let imb = 0;
    let off = 0;
    loads.forEach((w, l) => {
      const p = steps[l]![Math.min(b, steps[l]!.length - 1)]!;
      imb += imbalance(gpuLoads(w, p, layout.gpus), w);
      off += offNodeFraction(w, p, homesOf[l]!, layout);
    });
    points.push({ offNodeSlots: b, imbalance: imb / loads.length, offNodeFraction: off / loads.length });
  }
  // Keep a point unless another is at least as good on both counts and better on one, or the same
  // point reached with fewer off-node slots.
  const front = points.filter(
    (p) =>
      !points.some(
        (q) =>
          q !== p &&
          q.imbalance <= p.imbalance &&
          q.offNodeFraction <= p.offNodeFraction &&
          (q.imbalance < p.imbalance || q.offNodeFraction < p.offNodeFraction || q.offNodeSlots < p.offNodeSlots),
      ),
  );
  return { points: front, final: steps.map((s) => s[s.length - 1]!) };
}
