/**
 * Expert placement, the public face: place every layer of a load matrix under a policy and describe
 * the result (phy2log, replica counts, per-GPU loads, imbalance, and the lower bound).
 */
import { eplbLayer } from './eplb.js';
import { defaultLayer } from './default.js';
import { imbalanceBound } from './bound.js';
import { gpuLoads, imbalance, replicaCounts, type Layout } from './types.js';
import { trafficPareto, type TrafficPoint } from './traffic.js';

/** `traffic` places like `default`, then trades off-node replicas for balance (traffic.ts). */
export type Policy = 'eplb' | 'default' | 'traffic';
export const POLICIES: readonly Policy[] = ['default', 'eplb', 'traffic'];

export interface PlacedLayer {
  readonly phy2log: number[];
  readonly replicas: number[];
  readonly gpuLoads: number[];
  readonly imbalance: number;
  /** The lower bound on imbalance for this layer (bound.ts). */
  readonly bound: number;
}

/** Places one layer (`traffic` places as `default` here; see placeLayers). */
export function placeLayer(w: readonly number[], layout: Layout, policy: Policy): PlacedLayer {
  return describe(w, layout, policy === 'eplb' ? eplbLayer(w, layout) : defaultLayer(w, layout));
}

/** Describes a placement of one layer. */
export function describe(w: readonly number[], layout: Layout, phy2log: number[]): PlacedLayer {
  const loads = gpuLoads(w, phy2log, layout.gpus);
  return { phy2log, replicas: replicaCounts(phy2log, w.length), gpuLoads: loads, imbalance: imbalance(loads, w), bound: imbalanceBound(w, layout) };
}

export interface Placement {
  readonly layers: PlacedLayer[];
  /** Mean over layers of each layer's imbalance, of its bound, and the largest. */
  readonly imbalance: number;
  readonly maxImbalance: number;
  readonly bound: number;
  /** `traffic` only: the Pareto points (imbalance vs off-node fraction); layers are its last point. */
  readonly pareto?: TrafficPoint[];
}

/** Off-node relabel steps per layer the traffic-aware mode explores. */
export const TRAFFIC_STEPS = 8;

/** Places every layer. Check the layout and loads first (validate.ts). */
export function placeLayers(loads: readonly (readonly number[])[], layout: Layout, policy: Policy, onLayer?: (done: number, total: number) => void): Placement {
  let layers: PlacedLayer[];
  let pareto: TrafficPoint[] | undefined;
  if (policy === 'traffic') {
    const t = trafficPareto(loads, layout, TRAFFIC_STEPS);
    layers = loads.map((w, l) => describe(w, layout, t.final[l]!));
    pareto = t.points;
    onLayer?.(loads.length, loads.length);
  } else
    layers = loads.map((w, l) => {
      const placed = placeLayer(w, layout, policy);
      onLayer?.(l + 1, loads.length);
      return placed;
    });
  const mean = (f: (l: PlacedLayer) => number) => layers.reduce((a, l) => a + f(l), 0) / layers.length;
  return {
    layers,
    imbalance: mean((l) => l.imbalance),
    maxImbalance: Math.max(...layers.map((l) => l.imbalance)),
    bound: mean((l) => l.bound),
    ...(pareto ? { pareto } : {}),
  };
}

export { checkLayout, checkLoads } from './validate.js';
export type { Layout } from './types.js';
export type { TrafficPoint } from './traffic.js';
export { parseLoads } from './loads.js';
export { syntheticLoads, type Synthetic } from './synthetic.js';
