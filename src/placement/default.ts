/**
 * kasc's default placement policy. Same constraints as EPLB — under the hierarchical policy (G % N == 0)
 * each node holds G/N whole groups and the replicas of their experts, nothing else, so node-limited
 * routing is untouched — and never less balanced than EPLB on any layer, by construction: EPLB's own
 * placement is one of the candidates and the best candidate wins.
 *
 *  1. Groups onto nodes: EPLB's greedy partition, and the partitions with the lowest node floor
 *     (bound.ts) among all of them when they can be enumerated, or a swap-improved partition.
 *  2. Per node (per cluster under the global policy), two starts: EPLB's own (divisor-rule replicas,
 *     greedy packing) and divisor-rule replicas packed by balanced Karmarkar–Karp differencing.
 *  3. Each start is improved by local search (search.ts): swaps between the heaviest GPU and the
 *     others, and relabels that move a replica from one expert to another when the packing gains.
 *  4. The best node solutions make the candidate; the candidate with the lowest largest GPU load wins
 *     (EPLB's placement on a tie or when nothing beats it).
 */
import { eplbLayer } from './eplb.js';
import { divisorCounts, expandCounts } from './replicate.js';
import { packBalancedKK, slotsFromGpus } from './packing.js';
import { localSearch, better, objective } from './search.js';
import { enumeratePartitions, improvePartition, partitionCount } from './partition.js';
import { ENUMERATE_LIMIT, expertsOfGroups, groupLoads, partitionFloors } from './bound.js';
import { gpuLoads, isHierarchical, type Layout } from './types.js';

/** At most this many partitions are solved in full, lowest floor first. */
const PARTITION_CANDIDATES = 3;

/** Best slot layout for one domain: m GPUs × k slots over experts with loads w (local indices). */
export function solveDomain(w: readonly number[], S: number, m: number): number[] {
  const c = divisorCounts(w, S);
  const labels = expandCounts(c);
  const shares = labels.map((e) => w[e]! / c[e]!);
  const starts = [slotsFromGpus(labels, packBalancedKK(shares, m), m)];
  let best: number[] | undefined;
  let bestObj: [number, number] | undefined;
  for (const slots of starts) {
    const obj = localSearch({ w, m, k: S / m, slots });
    if (!bestObj || better(obj, bestObj)) {
      bestObj = obj;
      best = slots;
    }
  }
  return best!;
}

/** The default policy for one layer: slot → logical expert. */
export function defaultLayer(w: readonly number[], layout: Layout): number[] {
  const eplb = eplbLayer(w, layout);
  const candidates: number[][] = [eplb];
  const { slots: R, groups: G, nodes: N, gpus: P } = layout;
  if (!isHierarchical(layout)) {
    candidates.push(solveDomain(w, R, P));
  } else {
    const memo = new Map<string, number[]>();
    const solvePartition = (part: readonly number[]) => {
      const out: number[] = [];
      for (let n = 0; n < N; n++) {
        const gs = part.flatMap((x, g) => (x === n ? [g] : []));
        const key = gs.join(',');
        let slots = memo.get(key);
        if (!slots) {
          const experts = expertsOfGroups(gs, w.length, G);
          slots = solveDomain(experts.map((e) => w[e]!), R / N, P / N).map((i) => experts[i]!);
          memo.set(key, slots);
        }
        out.push(...slots);
      }
      return out;
    };
    // Partitions in order of their floor (bound.ts); a partition whose floor is not below the best
    // largest GPU load found so far cannot win and is skipped (branch and bound).
    let parts: { part: number[]; floor: number }[];
    if (partitionCount(G, N) <= ENUMERATE_LIMIT) {
      const all = enumeratePartitions(G, N);
      const floors = partitionFloors(w, layout, all);
      parts = all.map((part, i) => ({ part, floor: floors[i]! })).sort((a, b) => a.floor - b.floor);
    } else {
      const eplbPart = partitionOf(eplb, w.length, layout);
      const improved = improvePartition(groupLoads(w, G), N);
      const floors = partitionFloors(w, layout, [improved, eplbPart]);
      parts = [{ part: improved, floor: floors[0]! }, { part: eplbPart, floor: floors[1]! }];
    }
    let bestMax = Math.max(...gpuLoads(w, eplb, P));
    let solved = 0;
    for (const { part, floor } of parts) {
      if (solved >= PARTITION_CANDIDATES || floor >= bestMax) break;
      const cand = solvePartition(part);
      candidates.push(cand);
      bestMax = Math.min(bestMax, Math.max(...gpuLoads(w, cand, P)));
      solved++;
    }
  }
  // Exact comparison here (no tolerance): the winner's largest GPU load is never above EPLB's.
  let best = eplb;
  let bestObj = objective(gpuLoads(w, eplb, P));
  for (const cand of candidates.slice(1)) {
    const obj = objective(gpuLoads(w, cand, P));
    if (obj[0] < bestObj[0] || (obj[0] === bestObj[0] && obj[1] < bestObj[1])) {
      best = cand;
      bestObj = obj;
    }
  }
  return best;
}

/** Node of each group in a hierarchical placement (read from where the group's experts sit). */
function partitionOf(phy2log: readonly number[], experts: number, layout: Layout): number[] {
  const perNode = layout.slots / layout.nodes;
  const size = experts / layout.groups;
  const node = new Array<number>(layout.groups).fill(0);
  phy2log.forEach((e, s) => (node[Math.floor(e / size)] = Math.floor(s / perNode)));
  return node;
}
