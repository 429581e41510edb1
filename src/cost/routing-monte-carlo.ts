/**
 * Node-limited routing by seeded Monte Carlo: draw synthetic router scores for many tokens, run the
 * model's gate on each (group limit, then a node limit M, then top-k), and measure how many nodes and
 * GPUs the chosen experts reach, for every node limit M = 1..N at once.
 *
 * Score model: expert e has a popularity offset β_e = skew · Z_e, drawn once; token t scores it
 *     s_te = sigmoid(β_e + Z_te),  Z ~ N(0, 1) independent,
 * so skew = 0 is uniform routing (every k-subset equally likely) and a larger skew concentrates tokens
 * on popular experts. The top-k of a softmax router ranks the same logits, so the selection is the
 * same for either router.
 *
 * Gate (DeepSeek-V3's inference code, REFERENCE.md "Gate"): a group's score is the sum of its top-2
 * scores (its top score for a softmax router, V2's device-limited routing); the best `choose` groups
 * are kept; a node limit M keeps the M nodes whose kept experts score best by the same rule; then the
 * top-k of what is left. Traffic per token follows src/cost/routing.ts: one IB transfer per remote
 * node reached, NVLink forwarding to every other reached GPU but the rail-aligned one.
 */
import { memoizeSimulation, Rng } from '../util/rng.js';

export interface RoutingLayout {
  readonly experts: number;
  readonly topK: number;
  readonly epRanks: number;
  /** EP ranks per node: min(GPUs per node, EP). */
  readonly ranksPerNode: number;
  /** Nodes the EP group spans: ⌈EP / ranksPerNode⌉. */
  readonly nodes: number;
  readonly groups: { readonly count: number; readonly choose: number } | null;
  /** How a group or node is scored: the sum of its top-2 scores (sigmoid, V3) or its top score (softmax, V2). */
  readonly groupScore: 'sum2' | 'max';
}

/** Means over the sampled tokens, per MoE layer. */
export interface RoutingStats {
  readonly distinctNodes: number;
  readonly remoteNodes: number;
  readonly distinctGpus: number;
  /** Reached GPUs on remote nodes: the IB transfers without per-node deduplication. */
  readonly remoteGpus: number;
  readonly nvlinkTransfers: number;
  /** Most nodes any sampled token reached. */
  readonly maxNodesSeen: number;
  /** Share of the unrestricted top-k experts the gate still picks: the routing-quality cost of the limit. */
  readonly recall: number;
}

export interface MonteCarloRouting {
  /** Plain top-k over every expert: no group or node limit. */
  readonly unrestricted: RoutingStats;
  /** The model's gate with node limit M = index + 1; null where some token cannot get k experts. */
  readonly byLimit: readonly (RoutingStats | null)[];
}

/** Inserts (score, expert) into a list sorted by descending score, keeping at most `cap` entries. */
function insertTop(scores: Float64Array, list: number[], e: number, cap: number): void {
  const s = scores[e]!;
  if (list.length === cap && s <= scores[list[cap - 1]!]!) return;
  let i = list.length < cap ? list.length : cap - 1;
  if (list.length < cap) list.push(e);
  while (i > 0 && scores[list[i - 1]!]! < s) {
    list[i] = list[i - 1]!;
    i--;
  }
  list[i] = e;
}

/** Merges two score-descending expert lists into the top `cap`. */
function mergeTop(scores: Float64Array, a: readonly number[], b: readonly number[], cap: number): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (out.length < cap && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && scores[a[i]!]! >= scores[b[j]!]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** Score of a group or node from its score-descending expert list. */
function unitScore(scores: Float64Array, top: readonly number[], rule: 'sum2' | 'max'): number {
  if (top.length === 0) return -Infinity;
  return rule === 'max' || top.length === 1 ? scores[top[0]!]! : scores[top[0]!]! + scores[top[1]!]!;
}

class Accumulator {
  distinctNodes = 0;
  remoteNodes = 0;
  distinctGpus = 0;
  remoteGpus = 0;
  nvlink = 0;
  maxNodes = 0;
  recall = 0;
  feasible = true;

  stats(samples: number): RoutingStats | null {
    if (!this.feasible) return null;
    return {
      distinctNodes: this.distinctNodes / samples,
      remoteNodes: this.remoteNodes / samples,
      distinctGpus: this.distinctGpus / samples,
      remoteGpus: this.remoteGpus / samples,
      nvlinkTransfers: this.nvlink / samples,
      maxNodesSeen: this.maxNodes,
      recall: this.recall / samples,
    };
  }
}

/**
 * Runs the gate on `samples` synthetic tokens (seeded) and measures every node limit M = 1..N on the
 * same scores (common random numbers, so differences between limits are not sampling noise).
 */
export const simulateRouting: (layout: RoutingLayout, skew: number, samples: number, seed: number) => MonteCarloRouting = memoizeSimulation(runRouting);

/** The uncached simulation (simulateRouting memoizes it). */
export function runRouting(layout: RoutingLayout, skew: number, samples: number, seed: number): MonteCarloRouting {
  const { experts: E, topK: k, nodes: N, ranksPerNode: g } = layout;
  const perRank = E / layout.epRanks;
  const rankOf = (e: number) => Math.floor(e / perRank);
  const nodeOf = (e: number) => Math.floor(rankOf(e) / g);
  const expertNode = Int32Array.from({ length: E }, (_, e) => nodeOf(e));
  const expertRank = Int32Array.from({ length: E }, (_, e) => rankOf(e));
  const groupSize = layout.groups ? E / layout.groups.count : E;

  const root = new Rng(seed);
  const popularity = root.derive(1);
  const beta = Float64Array.from({ length: E }, () => skew * popularity.normal());
  const tokenRng = root.derive(2);
  const sourceRng = root.derive(3);

  const scores = new Float64Array(E);
  const nodeStamp = new Int32Array(N).fill(-1);
  const gpuStamp = new Int32Array(layout.epRanks).fill(-1);
  const inPlain = new Int32Array(E).fill(-1);
  let stamp = 0;

  const plainAcc = new Accumulator();
  const limitAcc = Array.from({ length: N }, () => new Accumulator());

  const measure = (sel: readonly number[], acc: Accumulator, srcNode: number, srcLocal: number, token: number) => {
    stamp++;
    let nodes = 0;
    let remote = 0;
    let gpus = 0;
    let remoteGpus = 0;
    let nvlink = 0;
    let hits = 0;
    const srcGpu = srcNode * g + srcLocal;
    for (const e of sel) {
      if (inPlain[e] === token) hits++;
      const n = expertNode[e]!;
      if (nodeStamp[n] !== stamp) {
        nodeStamp[n] = stamp;
        nodes++;
        if (n !== srcNode) remote++;
      }
      const r = expertRank[e]!;
      if (gpuStamp[r] !== stamp) {
        gpuStamp[r] = stamp;
        gpus++;
        if (n !== srcNode) {
          remoteGpus++;
          if (r % g !== srcLocal) nvlink++;
        } else if (r !== srcGpu) nvlink++;
      }
    }
    acc.distinctNodes += nodes;
    acc.remoteNodes += remote;
    acc.distinctGpus += gpus;
    acc.remoteGpus += remoteGpus;
    acc.nvlink += nvlink;
    acc.maxNodes = Math.max(acc.maxNodes, nodes);
    acc.recall += hits / k;
  };

  const groupCount = layout.groups ? layout.groups.count : 1;
  const allowedGroup = new Uint8Array(groupCount);
  const groupScores = new Float64Array(groupCount);
  const groupOrder: number[] = Array.from({ length: groupCount }, (_, i) => i);
  const pair: number[] = [];
  const nodeTop: number[][] = Array.from({ length: N }, () => []);
  const nodeScores = new Float64Array(N);
  const nodeOrder: number[] = Array.from({ length: N }, (_, i) => i);
  const plain: number[] = [];

  for (let t = 0; t < samples; t++) {
    for (let e = 0; e < E; e++) scores[e] = 1 / (1 + Math.exp(-(beta[e]! + tokenRng.normal())));
    const srcNode = sourceRng.int(N);
    const srcLocal = sourceRng.int(g);

    // Unrestricted top-k.
    plain.length = 0;
    for (let e = 0; e < E; e++) insertTop(scores, plain, e, k);
    for (const e of plain) inPlain[e] = t;
    measure(plain, plainAcc, srcNode, srcLocal, t);

    // Group limit: keep the best `choose` groups.
    allowedGroup.fill(1);
    if (layout.groups && layout.groups.choose < layout.groups.count) {
      for (let gi = 0; gi < layout.groups.count; gi++) {
        pair.length = 0;
        for (let e = gi * groupSize; e < (gi + 1) * groupSize; e++) insertTop(scores, pair, e, 2);
        groupScores[gi] = unitScore(scores, pair, layout.groupScore);
        groupOrder[gi] = gi;
      }
      groupOrder.sort((a, b) => groupScores[b]! - groupScores[a]! || a - b);
      allowedGroup.fill(0);
      for (let i = 0; i < layout.groups.choose; i++) allowedGroup[groupOrder[i]!] = 1;
    }

    // Each node's best k allowed experts, and the node order by the gate's rule.
    for (const top of nodeTop) top.length = 0;
    for (let e = 0; e < E; e++) {
      if (!allowedGroup[layout.groups ? Math.floor(e / groupSize) : 0]) continue;
      insertTop(scores, nodeTop[expertNode[e]!]!, e, k);
    }
    for (let n = 0; n < N; n++) {
      nodeScores[n] = unitScore(scores, nodeTop[n]!, layout.groupScore);
      nodeOrder[n] = n;
    }
    nodeOrder.sort((a, b) => nodeScores[b]! - nodeScores[a]! || a - b);

    // Node limit M = 1..N on the same scores.
    let cur: number[] = [];
    for (let m = 1; m <= N; m++) {
      cur = mergeTop(scores, cur, nodeTop[nodeOrder[m - 1]!]!, k);
      const acc = limitAcc[m - 1]!;
      if (!acc.feasible) continue;
      if (cur.length < k) {
        acc.feasible = false;
        continue;
      }
      measure(cur, acc, srcNode, srcLocal, t);
    }
  }
  return { unrestricted: plainAcc.stats(samples)!, byLimit: limitAcc.map((a) => a.stats(samples)) };
}
