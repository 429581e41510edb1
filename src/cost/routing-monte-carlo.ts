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
 * node reached, NVLink forwarding to every other reached GPU but the rail-aligned one — averaged over
 * the source GPU in closed form (Accumulator), not sampled.
 *
 * Cost: 2,048 tokens × 256 experts per V3 deployment, in every `kasc check`. Normals come from the
 * ziggurat (Rng.fillGaussian); the gate ranks logits (the sigmoid is applied only to the one or two
 * scores a group or node sums); each expert is ranked once per token, into the top-k of its block
 * (the experts of one group on one node), and every list the gate needs merges those.
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

/**
 * A score-descending list of at most `cap` experts, in typed arrays: `idx[0..n)` and their logits
 * `val[0..n)`. The gate ranks by the sigmoid of the logits, which is monotone, so lists rank logits.
 */
class TopList {
  readonly idx: Int32Array;
  readonly val: Float64Array;
  n = 0;

  constructor(readonly cap: number) {
    this.idx = new Int32Array(cap);
    this.val = new Float64Array(cap);
  }

  /** Inserts expert e with logit v (ties keep the earlier entry first). */
  insert(e: number, v: number): void {
    const cap = this.cap;
    let i = this.n;
    if (i === cap) {
      if (v <= this.val[cap - 1]!) return;
      i = cap - 1;
    } else this.n++;
    const idx = this.idx;
    const val = this.val;
    while (i > 0 && val[i - 1]! < v) {
      idx[i] = idx[i - 1]!;
      val[i] = val[i - 1]!;
      i--;
    }
    idx[i] = e;
    val[i] = v;
  }

  /** This list ← the top `cap` of a and b merged (ties prefer a); `this` must be neither. */
  merge(a: TopList, b: TopList): void {
    let i = 0;
    let j = 0;
    let n = 0;
    const cap = this.cap;
    while (n < cap && (i < a.n || j < b.n)) {
      if (j >= b.n || (i < a.n && a.val[i]! >= b.val[j]!)) {
        this.idx[n] = a.idx[i]!;
        this.val[n++] = a.val[i++]!;
      } else {
        this.idx[n] = b.idx[j]!;
        this.val[n++] = b.val[j++]!;
      }
    }
    this.n = n;
  }

  /** Inserts the entries of a score-descending list, stopping at the first one this list rejects. */
  insertAll(src: TopList): void {
    const cap = this.cap;
    for (let s = 0; s < src.n; s++) {
      const v = src.val[s]!;
      if (this.n === cap && v <= this.val[cap - 1]!) return;
      this.insert(src.idx[s]!, v);
    }
  }

  /** The gate's score of a group or node from its list: the sum of its top-2 sigmoid scores, or its top one. */
  unitScore(rule: 'sum2' | 'max'): number {
    if (this.n === 0) return -Infinity;
    const s0 = 1 / (1 + Math.exp(-this.val[0]!));
    return rule === 'max' || this.n === 1 ? s0 : s0 + 1 / (1 + Math.exp(-this.val[1]!));
  }
}

/**
 * list ← the top `list.cap` experts of start..end−1 by logit β_e + z_e (TopList.insert, inlined: this
 * sees every expert of every token, and is kept small so that V8 optimizes it within a few tokens).
 */
function rankBlock(list: TopList, beta: Float64Array, z: Float64Array, start: number, end: number): void {
  const idx = list.idx;
  const val = list.val;
  const cap = list.cap;
  let n = 0;
  let floor = -Infinity;
  for (let e = start; e < end; e++) {
    const v = beta[e]! + z[e]!;
    if (v <= floor) continue;
    let i = n < cap ? n++ : cap - 1;
    while (i > 0 && val[i - 1]! < v) {
      idx[i] = idx[i - 1]!;
      val[i] = val[i - 1]!;
      i--;
    }
    idx[i] = e;
    val[i] = v;
    if (n === cap) floor = val[cap - 1]!;
  }
  list.n = n;
}

/** Sorts `order[0..n)` by descending `score`, ties by index (insertion sort: n is a node or group count). */
function sortByScore(order: Int32Array, score: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 1; i < n; i++) {
    const u = order[i]!;
    const s = score[u]!;
    let j = i;
    while (j > 0 && score[order[j - 1]!]! < s) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = u;
  }
}

/**
 * Sums over the sampled tokens of one gate. The source GPU is uniform over the N·g GPUs of the group
 * and independent of the scores, so the source-dependent figures are averaged over it exactly instead
 * of sampled (Rao–Blackwell: same means, less variance): a token reaching D nodes and G GPUs has
 *     E[remote nodes] = D·(1 − 1/N),  E[remote GPUs] = G·(1 − 1/N),  E[NVLink transfers] = G·(1 − 1/g)
 * (a reached GPU needs an NVLink hop unless it is the source's rail: the same local index, chance 1/g,
 * whether it is on the source's node or reached over IB).
 */
class Accumulator {
  nodes = 0;
  gpus = 0;
  hits = 0;
  maxNodes = 0;
  feasible = true;

  stats(samples: number, topK: number, nodes: number, ranksPerNode: number): RoutingStats | null {
    if (!this.feasible) return null;
    const distinctNodes = this.nodes / samples;
    const distinctGpus = this.gpus / samples;
    return {
      distinctNodes,
      remoteNodes: distinctNodes * (1 - 1 / nodes),
      distinctGpus,
      remoteGpus: distinctGpus * (1 - 1 / nodes),
      nvlinkTransfers: distinctGpus * (1 - 1 / ranksPerNode),
      maxNodesSeen: this.maxNodes,
      recall: this.hits / (topK * samples),
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
  const expertNode = Int32Array.from({ length: E }, (_, e) => Math.floor(rankOf(e) / g));
  const expertRank = Int32Array.from({ length: E }, (_, e) => rankOf(e));
  const limitGroups = layout.groups !== null && layout.groups.choose < layout.groups.count;
  const groupCount = layout.groups ? layout.groups.count : 1;
  const groupSize = E / groupCount;
  const choose = limitGroups ? layout.groups!.choose : groupCount;
  const rule = layout.groupScore;

  // Blocks: the runs of experts on one node and in one group (groups and nodes are both contiguous
  // runs of experts). Every list the gate needs (top-k overall, top-2 of a group, top-k of a node's
  // allowed experts) is the top of a union of whole blocks, so each token ranks every expert once,
  // into its block's top-k, and the rest merges those short lists.
  const blockStart: number[] = [];
  const blockGroup: number[] = [];
  const blockNode: number[] = [];
  for (let e = 0; e < E; e++) {
    const gi = Math.floor(e / groupSize);
    const n = expertNode[e]!;
    if (e === 0 || gi !== blockGroup[blockGroup.length - 1] || n !== blockNode[blockNode.length - 1]) {
      blockStart.push(e);
      blockGroup.push(gi);
      blockNode.push(n);
    }
  }
  const B = blockStart.length;
  blockStart.push(E);
  const blockTop = Array.from({ length: B }, () => new TopList(k));

  const root = new Rng(seed);
  const popularity = root.derive(1);
  const beta = new Float64Array(E);
  popularity.fillGaussian(beta);
  for (let e = 0; e < E; e++) beta[e] = skew * beta[e]!;
  const tokenRng = root.derive(2);

  // Router logits β_e + Z_te: the gate's sigmoid is applied only where scores are summed (unitScore).
  const logits = new Float64Array(E);
  const nodeStamp = new Int32Array(N).fill(-1);
  const gpuStamp = new Int32Array(layout.epRanks).fill(-1);
  const inPlain = new Int32Array(E).fill(-1);
  let stamp = 0;

  const plainAcc = new Accumulator();
  const limitAcc = Array.from({ length: N }, () => new Accumulator());

  // Nodes and GPUs a selection reaches, and how many of the unrestricted top-k it kept.
  let reachedNodes = 0;
  let reachedGpus = 0;
  let kept = 0;
  const reach = (sel: TopList, token: number) => {
    stamp++;
    let nodes = 0;
    let gpus = 0;
    let hits = 0;
    for (let s = 0; s < sel.n; s++) {
      const e = sel.idx[s]!;
      if (inPlain[e] === token) hits++;
      const n = expertNode[e]!;
      if (nodeStamp[n] !== stamp) {
        nodeStamp[n] = stamp;
        nodes++;
      }
      const r = expertRank[e]!;
      if (gpuStamp[r] !== stamp) {
        gpuStamp[r] = stamp;
        gpus++;
      }
    }
    reachedNodes = nodes;
    reachedGpus = gpus;
    kept = hits;
  };
  const add = (acc: Accumulator) => {
    acc.nodes += reachedNodes;
    acc.gpus += reachedGpus;
    acc.hits += kept;
    if (reachedNodes > acc.maxNodes) acc.maxNodes = reachedNodes;
  };

  const groupTop = Array.from({ length: groupCount }, () => new TopList(2));
  const groupScores = new Float64Array(groupCount);
  const groupOrder = new Int32Array(groupCount);
  const allowedGroup = new Uint8Array(groupCount).fill(1);
  const nodeTop = Array.from({ length: N }, () => new TopList(k));
  const nodeScores = new Float64Array(N);
  const nodeOrder = new Int32Array(N);
  const plain = new TopList(k);
  let cur = new TopList(k);
  let next = new TopList(k);

  for (let t = 0; t < samples; t++) {
    tokenRng.fillGaussian(logits);

    for (let b = 0; b < B; b++) rankBlock(blockTop[b]!, beta, logits, blockStart[b]!, blockStart[b + 1]!);

    // Unrestricted top-k.
    plain.n = 0;
    for (let b = 0; b < B; b++) plain.insertAll(blockTop[b]!);
    for (let s = 0; s < plain.n; s++) inPlain[plain.idx[s]!] = t;
    reach(plain, t);
    add(plainAcc);

    // Group limit: keep the best `choose` groups.
    if (limitGroups) {
      for (let gi = 0; gi < groupCount; gi++) groupTop[gi]!.n = 0;
      for (let b = 0; b < B; b++) groupTop[blockGroup[b]!]!.insertAll(blockTop[b]!);
      for (let gi = 0; gi < groupCount; gi++) groupScores[gi] = groupTop[gi]!.unitScore(rule);
      sortByScore(groupOrder, groupScores, groupCount);
      allowedGroup.fill(0);
      for (let i = 0; i < choose; i++) allowedGroup[groupOrder[i]!] = 1;
    }

    // Each node's best k allowed experts, and the node order by the gate's rule.
    for (let n = 0; n < N; n++) nodeTop[n]!.n = 0;
    for (let b = 0; b < B; b++) if (allowedGroup[blockGroup[b]!]) nodeTop[blockNode[b]!]!.insertAll(blockTop[b]!);
    for (let n = 0; n < N; n++) nodeScores[n] = nodeTop[n]!.unitScore(rule);
    sortByScore(nodeOrder, nodeScores, N);

    // Node limit M = 1..N on the same scores. A node with no allowed expert leaves the selection as it was.
    cur.n = 0;
    for (let m = 1; m <= N; m++) {
      const top = nodeTop[nodeOrder[m - 1]!]!;
      const acc = limitAcc[m - 1]!;
      if (top.n > 0) {
        next.merge(cur, top);
        const swap = cur;
        cur = next;
        next = swap;
        if (cur.n === k) reach(cur, t);
      }
      if (!acc.feasible) continue;
      if (cur.n < k) {
        acc.feasible = false;
        continue;
      }
      add(acc);
    }
  }
  return { unrestricted: plainAcc.stats(samples, k, N, g)!, byLimit: limitAcc.map((a) => a.stats(samples, k, N, g)) };
}
