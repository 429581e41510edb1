/**
 * A lower bound on the largest GPU load any placement can reach, for one layer. Imbalance is max/mean,
 * so dividing by the mean W/P gives the bound on imbalance. Three facts, each a floor:
 *
 *  1. mean: the P GPUs carry W in all, so one carries at least W/P.
 *  2. node floor: a node's m = P/N GPUs carry everything its groups receive, so its heaviest GPU
 *     carries at least load(node)/m (hierarchical policy: whole groups per node).
 *  3. replica share: a domain (a node; the cluster under the global policy) of S slots can give its
 *     n experts at most S slots, so some replica carries at least T_rep = min over Σc = S of max w/c,
 *     reached by the divisor rule (replicate.ts). The GPU holding that replica fills its k − 1 other
 *     slots too: with no spare slot (S = n) those hold distinct other experts, at least the k − 1
 *     lightest; with spare slots each still carries at least min_e w_e / (S − n + 1), the smallest share
 *     any replica can have. So T ≥ T_rep + that.
 *
 * Under the hierarchical policy 2 and 3 depend on which groups share a node, so the bound is
 * min over partitions of max over nodes of max(load/m, T_rep) — exact when the partitions can be
 * enumerated (partitionCount ≤ ENUMERATE_LIMIT). Otherwise a relaxation: the node holding the heaviest
 * group also holds G/N − 1 others, at least the lightest ones, and no expert can have more than
 * S − E/N + 1 replicas.
 */
import { replicaShareBound } from './replicate.js';
import { enumeratePartitions, partitionCount } from './partition.js';
import { isHierarchical, type Layout } from './types.js';

/** Enumerate group partitions when there are at most this many (8 groups on 4 nodes: 105). */
export const ENUMERATE_LIMIT = 5000;

/** Loads of each group (E/G consecutive experts). */
export function groupLoads(w: readonly number[], G: number): number[] {
  const size = w.length / G;
  const out = new Array<number>(G).fill(0);
  for (let e = 0; e < w.length; e++) out[Math.floor(e / size)]! += w[e]!;
  return out;
}

/** The experts of the given groups, in ascending order. */
export function expertsOfGroups(groups: readonly number[], experts: number, G: number): number[] {
  const size = experts / G;
  return [...groups].sort((a, b) => a - b).flatMap((g) => Array.from({ length: size }, (_, j) => g * size + j));
}

/** A domain's floor: max(load/m, T_rep + the least the other k − 1 slots of its GPU carry). */
export function nodeFloor(wNode: readonly number[], S: number, m: number): number {
  const load = wNode.reduce((a, b) => a + b, 0);
  return Math.max(load / m, replicaShareBound(wNode, S) + companionFloor(wNode, S, S / m));
}

/** The least the k − 1 other slots on the GPU of the heaviest replica can carry (fact 3 above). */
export function companionFloor(w: readonly number[], S: number, k: number): number {
  if (k <= 1) return 0;
  const n = w.length;
  if (S === n) {
    // No replication: the heaviest expert's GPU holds k − 1 other experts, at least the lightest ones.
    const sorted = [...w].sort((a, b) => a - b);
    const heaviest = sorted.pop()!;
    void heaviest;
    return sorted.slice(0, k - 1).reduce((a, b) => a + b, 0);
  }
  return ((k - 1) * Math.min(...w)) / (S - n + 1);
}

/**
 * The floor of each partition of groups over nodes (node-of-group arrays), memoized per node's group
 * set. Returns the partitions with their floors.
 */
export function partitionFloors(w: readonly number[], layout: Layout, partitions: readonly number[][]): number[] {
  const { groups: G, nodes: N, slots: R, gpus: P } = layout;
  const memo = new Map<number, number>();
  const masks = new Array<number>(N);
  return partitions.map((part) => {
    masks.fill(0);
    for (let g = 0; g < G; g++) masks[part[g]!] += 2 ** g;
    let worst = 0;
    for (let n = 0; n < N; n++) {
      let f = memo.get(masks[n]!);
      if (f === undefined) {
        const gs = part.flatMap((x, g) => (x === n ? [g] : []));
        f = nodeFloor(expertsOfGroups(gs, w.length, G).map((e) => w[e]!), R / N, P / N);
        memo.set(masks[n]!, f);
      }
      worst = Math.max(worst, f);
    }
    return worst;
  });
}

/** The lower bound on the largest GPU load of one layer (see above). */
export function maxLoadBound(w: readonly number[], layout: Layout): number {
  const { groups: G, nodes: N, slots: R, gpus: P } = layout;
  const W = w.reduce((a, b) => a + b, 0);
  const mean = W / P;
  if (!isHierarchical(layout)) return Math.max(mean, nodeFloor(w, R, P));
  if (partitionCount(G, N) <= ENUMERATE_LIMIT) {
    return Math.max(mean, Math.min(...partitionFloors(w, layout, enumeratePartitions(G, N))));
  }
  const gl = groupLoads(w, G).sort((a, b) => b - a);
  const heaviestNode = gl[0]! + gl.slice(gl.length - (G / N - 1)).reduce((a, b) => a + b, 0);
  const maxReplicas = R / N - w.length / N + 1;
  return Math.max(mean, Math.max(W / N, heaviestNode) / (P / N), Math.max(...w) / maxReplicas);
}

/** The bound on imbalance: the max-load bound over the mean. */
export function imbalanceBound(w: readonly number[], layout: Layout): number {
  const W = w.reduce((a, b) => a + b, 0);
  return W > 0 ? maxLoadBound(w, layout) / (W / layout.gpus) : 1;
}
