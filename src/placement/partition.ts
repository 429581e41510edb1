/**
 * Groups onto nodes. Under node-limited routing every node holds G/N whole groups and nothing else, so
 * a node can never carry less than its groups' load: the partition of groups over nodes sets a floor no
 * packing can go below. EPLB packs groups greedily (heaviest first into the lightest node); when the
 * number of equal-size partitions is small (8 groups on 4 nodes: 105) we enumerate them all, otherwise
 * we improve the greedy partition by swapping groups between the heaviest node and the others.
 */
import { balancedPacking } from './eplb.js';

/** G! / ((G/N)!^N · N!): partitions of G groups into N unlabelled nodes of G/N groups each. */
export function partitionCount(G: number, N: number): number {
  const per = G / N;
  let r = 1;
  let left = G;
  // Choose the first node's groups as containing the lowest unplaced group: C(left − 1, per − 1) each.
  for (let n = 0; n < N; n++) {
    r *= binomial(left - 1, per - 1);
    left -= per;
    if (!Number.isFinite(r) || r > 1e12) return Infinity;
  }
  return r;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * Every partition of G groups into N nodes of G/N each, as node-of-group arrays, canonical (group 0 on
 * node 0; a new node is opened only by the lowest unplaced group). Call only when partitionCount is small.
 */
export function enumeratePartitions(G: number, N: number): number[][] {
  const per = G / N;
  const out: number[][] = [];
  const node = new Array<number>(G).fill(-1);
  const size = new Array<number>(N).fill(0);
  const rec = (g: number, opened: number) => {
    if (g === G) {
      out.push([...node]);
      return;
    }
    for (let n = 0; n < Math.min(opened + 1, N); n++) {
      if (size[n]! >= per) continue;
      node[g] = n;
      size[n]!++;
      rec(g + 1, Math.max(opened, n + 1));
      size[n]!--;
    }
    node[g] = -1;
  };
  rec(0, 0);
  return out;
}

/** A good partition when there are too many to enumerate: EPLB's greedy, then pairwise group swaps. */
export function improvePartition(groupLoad: readonly number[], N: number): number[] {
  const node = balancedPacking(groupLoad, N).pack;
  const load = new Array<number>(N).fill(0);
  groupLoad.forEach((x, g) => (load[node[g]!]! += x));
  for (let step = 0; step < 10_000; step++) {
    let h = 0;
    for (let n = 1; n < N; n++) if (load[n]! > load[h]!) h = n;
    let best = 0;
    let pair: [number, number] | undefined;
    for (let a = 0; a < groupLoad.length; a++) {
      if (node[a] !== h) continue;
      for (let b = 0; b < groupLoad.length; b++) {
        if (node[b] === h) continue;
        const d = groupLoad[a]! - groupLoad[b]!;
        const gain = Math.min(d, load[h]! - load[node[b]!]! - d);
        if (d > 0 && gain > best * (1 + 1e-12) + 1e-12) {
          best = gain;
          pair = [a, b];
        }
      }
    }
    if (!pair) break;
    const [a, b] = pair;
    const other = node[b]!;
    const d = groupLoad[a]! - groupLoad[b]!;
    load[h]! -= d;
    load[other]! += d;
    node[a] = other;
    node[b] = h;
  }
  return node;
}
