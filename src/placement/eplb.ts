/**
 * DeepSeek's public expert-parallel load balancer (EPLB, github.com/deepseek-ai/EPLB, eplb.py), ported
 * step for step so that it reproduces the README example exactly. It is the baseline the default policy
 * must never lose to.
 *
 *  - balanced_packing(items, m packs of equal count): items sorted heaviest first (torch's sort,
 *    descending; ties keep index order), each into the lightest pack that is not full (Python's `min`:
 *    the first such pack on ties). One item per pack is the identity.
 *  - replicate(w, R): one replica per expert, then each extra slot to argmax w/c (first index on ties).
 *  - hierarchical (G % N == 0): pack groups onto nodes by group load; replicate inside each node over
 *    R/N slots; pack the node's replicas (load w/c) onto its P/N GPUs. Otherwise the global policy:
 *    the same with one group and one node.
 *
 * EPLB computes in float32 (`weight.float()`); every sum and quotient here goes through Math.fround so
 * that ties and near-ties break exactly as they do in torch.
 */
import type { Layout } from './types.js';

const f32 = Math.fround;

/** Indices of `w` sorted by descending value, stable (equal values keep index order). */
export function sortDescending(w: readonly number[]): number[] {
  return w.map((_, i) => i).sort((a, b) => w[b]! - w[a]! || a - b);
}

/** EPLB's balanced_packing for one row: item → [pack, rank in pack]. */
export function balancedPacking(w: readonly number[], packs: number): { pack: number[]; rank: number[] } {
  const n = w.length;
  const perPack = n / packs;
  if (perPack === 1) return { pack: w.map((_, i) => i), rank: w.map(() => 0) };
  const pack = new Array<number>(n).fill(-1);
  const rank = new Array<number>(n).fill(-1);
  const weight = new Array<number>(packs).fill(0);
  const items = new Array<number>(packs).fill(0);
  for (const i of sortDescending(w)) {
    let best = -1;
    for (let p = 0; p < packs; p++) if (items[p]! < perPack && (best < 0 || weight[p]! < weight[best]!)) best = p;
    pack[i] = best;
    rank[i] = items[best]!;
    weight[best] = f32(weight[best]! + w[i]!);
    items[best]!++;
  }
  return { pack, rank };
}

/** EPLB's replicate_experts for one row: phy2log over `slots`, and the replica count of each expert. */
export function replicateGreedy(w: readonly number[], slots: number): { phy2log: number[]; count: number[] } {
  const count = w.map(() => 1);
  const phy2log = w.map((_, i) => i);
  for (let s = w.length; s < slots; s++) {
    let best = 0;
    let bestV = -Infinity;
    for (let e = 0; e < w.length; e++) {
      const v = f32(w[e]! / count[e]!);
      if (v > bestV) {
        bestV = v;
        best = e;
      }
    }
    phy2log.push(best);
    count[best]!++;
  }
  return { phy2log, count };
}

/**
 * EPLB's rebalance_experts for one layer: slot → logical expert. Uses the hierarchical policy when
 * G % N == 0, else the global one (one group, one node).
 */
export function eplbLayer(w: readonly number[], layout: Layout): number[] {
  const hier = layout.groups % layout.nodes === 0;
  return eplbHierarchical(
    w.map((x) => f32(x)),
    layout.slots,
    hier ? layout.groups : 1,
    hier ? layout.nodes : 1,
    layout.gpus,
  );
}

function eplbHierarchical(w: readonly number[], R: number, G: number, N: number, P: number): number[] {
  const E = w.length;
  const groupSize = E / G;
  const groupsPerNode = G / N;
  const perGpu = R / P;
  const perNodeLog = E / N;
  const perNodePhy = R / N;

  // Step 1: pack groups onto nodes.
  const groupLoad = new Array<number>(G).fill(0);
  for (let e = 0; e < E; e++) {
    const g = Math.floor(e / groupSize);
    groupLoad[g] = f32(groupLoad[g]! + w[e]!);
  }
  const gp = balancedPacking(groupLoad, N);
  const log2mlog = new Array<number>(E);
  for (let e = 0; e < E; e++) {
    const g = Math.floor(e / groupSize);
    log2mlog[e] = (gp.pack[g]! * groupsPerNode + gp.rank[g]!) * groupSize + (e % groupSize);
  }
  const mlog2log = new Array<number>(E);
  for (let e = 0; e < E; e++) mlog2log[log2mlog[e]!] = e;

  const out = new Array<number>(R);
  for (let node = 0; node < N; node++) {
    // Step 2: replicas inside the node.
    const rowLog = Array.from({ length: perNodeLog }, (_, m) => w[mlog2log[node * perNodeLog + m]!]!);
    const { phy2log: phy2mlog, count } = replicateGreedy(rowLog, perNodePhy);
    // Step 3: pack the node's replicas onto its GPUs.
    const phyLoad = phy2mlog.map((m) => f32(rowLog[m]! / count[m]!));
    const pk = balancedPacking(phyLoad, P / N);
    for (let p = 0; p < perNodePhy; p++) {
      const pphy = pk.pack[p]! * perGpu + pk.rank[p]!;
      out[node * perNodePhy + pphy] = mlog2log[node * perNodeLog + phy2mlog[p]!]!;
    }
  }
  return out;
}
