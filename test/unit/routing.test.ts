import { describe, expect, it } from 'vitest';
import { binomialRatio, expectedDistinctUnits, expectedNvlinkTransfers, expectedRemoteNodes, expertsAtSameIbCost, groupNodeBound } from '../../src/cost/routing.js';
import { runRouting, simulateRouting, type RoutingLayout } from '../../src/cost/routing-monte-carlo.js';
import type { RoutingResult } from '../../src/passes/routing.js';
import { renderReportJson } from '../../src/emit/report/json.js';
import { Rng } from '../../src/util/rng.js';
import { codes, compileText, SMALL_HARDWARE } from './fixtures.js';

const V3_LAYOUT: RoutingLayout = { experts: 256, topK: 8, epRanks: 64, ranksPerNode: 8, nodes: 8, groups: null, groupScore: 'sum2' };

/** Every k-subset of n items, for brute-force checks. */
function* subsets(n: number, k: number, from = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === k) return yield acc.slice();
  for (let i = from; i < n; i++) {
    acc.push(i);
    yield* subsets(n, k, i + 1, acc);
    acc.pop();
  }
}

describe('uniform routing, analytically', () => {
  it('binomialRatio is C(a,k)/C(b,k)', () => {
    expect(binomialRatio(3, 5, 2)).toBeCloseTo(3 / 10, 12);
    expect(binomialRatio(1, 5, 2)).toBe(0);
  });

  it('expected distinct nodes agrees with enumerating every top-k set', () => {
    // 12 experts on 4 nodes of 3, top-4: average over all C(12, 4) = 495 sets.
    let nodes = 0;
    let count = 0;
    for (const s of subsets(12, 4)) {
      nodes += new Set(s.map((e) => Math.floor(e / 3))).size;
      count++;
    }
    expect(expectedDistinctUnits(4, 3, 4)).toBeCloseTo(nodes / count, 12);
  });

  it('gives V3 about 5.29 nodes for unrestricted top-8 on 8 nodes', () => {
    expect(expectedDistinctUnits(8, 32, 8)).toBeCloseTo(5.29, 2);
    expect(expectedDistinctUnits(8, 32, 1)).toBeCloseTo(1, 12);
  });

  it('bounds nodes by the groups when groups and nodes line up', () => {
    expect(groupNodeBound(8, 4, 8)).toBe(4);
    expect(groupNodeBound(16, 4, 8)).toBe(4);
    expect(groupNodeBound(8, 4, 32)).toBe(16);
    expect(groupNodeBound(3, 2, 4)).toBeNull();
  });

  it('reproduces V3TR: 4 nodes x 3.2 = 12.8, up to 13 experts at the same IB cost', () => {
    expect(expertsAtSameIbCost(4, 160e9, 50e9)).toBeCloseTo(12.8, 12);
  });
});

describe('Monte Carlo routing', () => {
  it('agrees with the analytic figures for uniform scores (skew 0)', () => {
    const mc = simulateRouting(V3_LAYOUT, 0, 20000, 7).unrestricted;
    const nodes = expectedDistinctUnits(8, 32, 8);
    const gpus = expectedDistinctUnits(64, 4, 8);
    expect(mc.distinctNodes).toBeCloseTo(nodes, 1);
    expect(Math.abs(mc.distinctNodes / nodes - 1)).toBeLessThan(0.01);
    expect(Math.abs(mc.remoteNodes / expectedRemoteNodes(nodes, 8) - 1)).toBeLessThan(0.02);
    expect(Math.abs(mc.distinctGpus / gpus - 1)).toBeLessThan(0.01);
    expect(Math.abs(mc.nvlinkTransfers / expectedNvlinkTransfers(gpus, 64, 8, 8) - 1)).toBeLessThan(0.02);
    expect(mc.recall).toBe(1);
  });

  it('never reaches more nodes than the limit, and reaches more as the limit grows', () => {
    const mc = simulateRouting({ ...V3_LAYOUT, groups: { count: 8, choose: 4 } }, 0.5, 1000, 3);
    let last = 0;
    mc.byLimit.forEach((s, i) => {
      expect(s).not.toBeNull();
      expect(s!.maxNodesSeen).toBeLessThanOrEqual(Math.min(i + 1, 4));
      expect(s!.distinctNodes).toBeGreaterThanOrEqual(last - 1e-12);
      last = s!.distinctNodes;
    });
    // The limit costs routing quality: fewer of the unrestricted top-k survive a tighter limit.
    expect(mc.byLimit[0]!.recall).toBeLessThan(mc.byLimit[3]!.recall);
  });

  it('marks a limit under which a token cannot get k experts as infeasible', () => {
    const mc = simulateRouting({ experts: 32, topK: 10, epRanks: 32, ranksPerNode: 8, nodes: 4, groups: null, groupScore: 'sum2' }, 0, 50, 1);
    expect(mc.byLimit[0]).toBeNull();
    expect(mc.byLimit[1]).not.toBeNull();
  });

  it('matches a direct implementation of the gate on the same draws', () => {
    // The reference: sigmoid scores, full sorts, every source GPU enumerated; the simulation ranks
    // logits in per-block lists and averages over the source GPU in closed form.
    const layouts: RoutingLayout[] = [
      { ...V3_LAYOUT, groups: { count: 8, choose: 4 } },
      { ...V3_LAYOUT, groups: { count: 16, choose: 3 }, groupScore: 'max' },
      { experts: 96, topK: 4, epRanks: 32, ranksPerNode: 8, nodes: 4, groups: { count: 3, choose: 2 }, groupScore: 'sum2' },
      { experts: 60, topK: 6, epRanks: 20, ranksPerNode: 8, nodes: 3, groups: null, groupScore: 'sum2' },
    ];
    for (const layout of layouts) {
      const samples = 200;
      const mc = runRouting(layout, 0.7, samples, 9);
      const { experts: E, topK: k, nodes: N, ranksPerNode: g } = layout;
      const rankOf = (e: number) => Math.floor(e / (E / layout.epRanks));
      const nodeOf = (e: number) => Math.floor(rankOf(e) / g);
      const root = new Rng(9);
      const beta = new Float64Array(E);
      root.derive(1).fillGaussian(beta);
      const tokens = root.derive(2);
      const z = new Float64Array(E);
      const sums = Array.from({ length: N + 1 }, () => ({ nodes: 0, remote: 0, gpus: 0, remoteGpus: 0, nvlink: 0, hits: 0, max: 0, ok: true }));
      const sig = (x: number) => 1 / (1 + Math.exp(-x));
      const byScore = (s: Float64Array) => (a: number, b: number) => s[b]! - s[a]! || a - b;
      const unit = (s: Float64Array, members: number[]) => {
        const top = members.slice().sort(byScore(s));
        if (top.length === 0) return -Infinity;
        return layout.groupScore === 'max' || top.length === 1 ? s[top[0]!]! : s[top[0]!]! + s[top[1]!]!;
      };
      for (let t = 0; t < samples; t++) {
        tokens.fillGaussian(z);
        const s = Float64Array.from({ length: E }, (_, e) => sig(beta[e]! * 0.7 + z[e]!));
        const all = Array.from({ length: E }, (_, e) => e);
        const plain = all.slice().sort(byScore(s)).slice(0, k);
        const groupSize = layout.groups ? E / layout.groups.count : E;
        let allowed = all;
        if (layout.groups && layout.groups.choose < layout.groups.count) {
          const gs = Array.from({ length: layout.groups.count }, (_, gi) => unit(s, all.filter((e) => Math.floor(e / groupSize) === gi)));
          const keep = new Set(Array.from({ length: layout.groups.count }, (_, gi) => gi).sort(byScore(Float64Array.from(gs))).slice(0, layout.groups.choose));
          allowed = all.filter((e) => keep.has(Math.floor(e / groupSize)));
        }
        const ns = Float64Array.from({ length: N }, (_, n) => unit(s, allowed.filter((e) => nodeOf(e) === n).sort(byScore(s)).slice(0, k)));
        const nodeOrder = Array.from({ length: N }, (_, n) => n).sort(byScore(ns));
        const measure = (sel: number[], acc: (typeof sums)[number]) => {
          if (sel.length < k) return void (acc.ok = false);
          const nodes = new Set(sel.map(nodeOf));
          const gpus = new Set(sel.map(rankOf));
          acc.nodes += nodes.size;
          acc.gpus += gpus.size;
          acc.hits += sel.filter((e) => plain.includes(e)).length;
          acc.max = Math.max(acc.max, nodes.size);
          // Every source GPU (srcNode, srcLocal), as src/cost/routing.ts counts transfers.
          for (let sn = 0; sn < N; sn++) {
            for (let sl = 0; sl < g; sl++) {
              acc.remote += [...nodes].filter((n) => n !== sn).length / (N * g);
              for (const r of gpus) {
                const n = Math.floor(r / g);
                if (n !== sn) acc.remoteGpus += 1 / (N * g);
                if (n !== sn ? r % g !== sl : r !== sn * g + sl) acc.nvlink += 1 / (N * g);
              }
            }
          }
        };
        measure(plain, sums[0]!);
        for (let m = 1; m <= N; m++) {
          const nodesKept = new Set(nodeOrder.slice(0, m));
          measure(allowed.filter((e) => nodesKept.has(nodeOf(e))).sort(byScore(s)).slice(0, k), sums[m]!);
        }
      }
      const expectStats = (got: ReturnType<typeof runRouting>['unrestricted'] | null, acc: (typeof sums)[number]) => {
        if (!acc.ok) return expect(got).toBeNull();
        expect(got).not.toBeNull();
        expect(got!.distinctNodes).toBeCloseTo(acc.nodes / samples, 10);
        expect(got!.remoteNodes).toBeCloseTo(acc.remote / samples, 10);
        expect(got!.distinctGpus).toBeCloseTo(acc.gpus / samples, 10);
        expect(got!.remoteGpus).toBeCloseTo(acc.remoteGpus / samples, 10);
        expect(got!.nvlinkTransfers).toBeCloseTo(acc.nvlink / samples, 10);
        expect(got!.recall).toBeCloseTo(acc.hits / (k * samples), 10);
        expect(got!.maxNodesSeen).toBe(acc.max);
      };
      expectStats(mc.unrestricted, sums[0]!);
      mc.byLimit.forEach((x, i) => expectStats(x, sums[i + 1]!));
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = runRouting(V3_LAYOUT, 0.5, 300, 11);
    expect(runRouting(V3_LAYOUT, 0.5, 300, 11)).toEqual(a);
    expect(runRouting(V3_LAYOUT, 0.5, 300, 12).unrestricted.distinctNodes).not.toBe(a.unrestricted.distinctNodes);
    // The memoized entry point returns the same figures.
    expect(simulateRouting(V3_LAYOUT, 0.5, 300, 11)).toEqual(a);
  });
});

const V3_TRAIN = (routing: string, extra = '') => `
import "models/deepseek-v3"
import "clusters/deepseek-h800"
train T {
  model = DeepSeekV3
  on = DeepSeekH800
  sequence = 4096
  batch = 15360
  precision = fp8
  recompute = full
  parallel { pipeline = 16  expert = 64 }
  routing { ${routing} }
  ${extra}
}`;

function routingOf(text: string): RoutingResult {
  const r = compileText(text);
  const d = r.ir?.deployments[0];
  const res = d && r.analysis?.passResults.get(d)?.find((p) => p.pass.name === 'routing');
  if (!res) throw new Error(`no routing result: ${codes(r).join(', ')}`);
  return res.result as RoutingResult;
}

describe('the routing pass on DeepSeek-V3', () => {
  const r = routingOf(V3_TRAIN('max_nodes = 4'));

  it('finds 8 groups on 8 nodes, 4 nodes per token', () => {
    expect(r.layout).toMatchObject({ nodes: 8, ranksPerNode: 8, expertsPerNode: 32, groupNodeBound: 4, effectiveMaxNodes: 4 });
  });

  it('saves IB traffic against unrestricted top-k', () => {
    expect(r.ibSaving.analytic).toBeGreaterThan(0);
    expect(r.ibSaving.monteCarlo).toBeGreaterThan(0);
    expect(r.monteCarlo.limited.maxNodesSeen).toBeLessThanOrEqual(4);
    expect(r.monteCarlo.limited.ibBytes.total).toBeLessThan(r.monteCarlo.unrestricted.ibBytes.total);
  });

  it('sends the dispatch in FP8 and the combine in BF16', () => {
    expect(r.dtypes.dispatch).toMatch(/^(fp8|e4m3)$/);
    expect(r.dtypes.dispatchBytes).toBeLessThan(r.dtypes.combineBytes);
    expect(r.monteCarlo.limited.ibBytes.dispatch).toBeLessThan(r.monteCarlo.limited.ibBytes.combine);
  });

  it('reports "up to 13 experts (4 x 3.2) at the same IB cost"', () => {
    expect(r.links.nvlinkToIb).toBeCloseTo(3.2, 12);
    expect(r.sameIbCost.experts).toBeCloseTo(12.8, 12);
    expect(r.sameIbCost.expertsRounded).toBe(13);
  });

  it('finds the loosest node limit within an IB budget', () => {
    // Between the 3- and 4-node limits' expected traffic.
    const three = r.monteCarlo.byLimit.find((x) => x.maxNodes === 3)!.ibBytes.total;
    const four = r.monteCarlo.byLimit.find((x) => x.maxNodes === 4)!.ibBytes.total;
    const budget = Math.round((three + four) / 2);
    const c = compileText(V3_TRAIN(`max_nodes = 4  ib_budget = ${budget} B`));
    expect(codes(c)).toContain('KAS0535');
    expect(routingOf(V3_TRAIN(`ib_budget = ${budget} B`)).budget).toEqual({ bytes: budget, largestMaxNodes: 3 });
    expect(codes(compileText(V3_TRAIN('ib_budget = 1 KB')))).toContain('KAS0534');
  });

  it('writes the same report twice', () => {
    const a = compileText(V3_TRAIN('max_nodes = 4'));
    const b = compileText(V3_TRAIN('max_nodes = 4'));
    expect(renderReportJson(a.analysis!, 'x')).toBe(renderReportJson(b.analysis!, 'x'));
  });
});

const SMALL_MOE = (moe: string, parallel: string, routing = '', cluster = 'C') => `
${SMALL_HARDWARE}
cluster C3 {
  nodes = 3 x N
  network = fat_tree { radix = 64 }
}
cluster C8 {
  nodes = 8 x N
  network = fat_tree { radix = 64 }
}
model M {
  vocab = 100
  hidden = 64
  layers = 2
  attention = gqa { heads = 4  kv_heads = 2 }
  moe layers[0..] {
    expert = swiglu { intermediate = 32 }
    ${moe}
  }
}
serve S {
  model = M
  on = ${cluster}
  parallel { ${parallel} }
  ${routing}
}`;

describe('routing diagnostics', () => {
  it('KAS0531: a node limit that cannot reach top-k experts', () => {
    const r = compileText(SMALL_MOE('routed = 32  top_k = 10', 'expert = 32', 'routing { max_nodes = 1 }'));
    expect(codes(r)).toEqual(['KAS0531']);
    expect(r.diagnostics.items[0]!.message).toBe('max_nodes = 1 reaches only 8 experts, but top_k is 10');
  });

  it('KAS0530: groups that straddle nodes', () => {
    expect(codes(compileText(SMALL_MOE('routed = 96  top_k = 4  groups = 3 choose 2', 'expert = 32')))).toEqual(['KAS0530']);
  });

  it('KAS0532: a node limit looser than the groups keep', () => {
    expect(codes(compileText(SMALL_MOE('routed = 32  top_k = 4  groups = 4 choose 2', 'expert = 32', 'routing { max_nodes = 3 }')))).toEqual(['KAS0532']);
    expect(codes(compileText(SMALL_MOE('routed = 32  top_k = 4  groups = 4 choose 2', 'expert = 32', 'routing { max_nodes = 2 }')))).toEqual([]);
  });

  it('KAS0533: an expert-parallel group that fills its last node only in part', () => {
    expect(codes(compileText(SMALL_MOE('routed = 48  top_k = 4', 'expert = 12', '', 'C3')))).toEqual(['KAS0533']);
  });

  it('does not apply to a group within one node: no IB traffic', () => {
    const r = compileText(SMALL_MOE('routed = 32  top_k = 4', 'expert = 8'));
    expect(codes(r)).toEqual([]);
    const d = r.ir!.deployments[0]!;
    const res = r.analysis!.passResults.get(d)!.find((p) => p.pass.name === 'routing')!.result as RoutingResult;
    expect(res.layout.nodes).toBe(1);
    expect(res.monteCarlo.limited.ibBytes.total).toBe(0);
  });
});

describe('a node limit inside the group limit', () => {
  it('KAS0531 counts only the chosen groups a node may hold', () => {
    // 16 groups of 4 on 8 nodes (2 per node), 4 chosen, top-8: one node may hold a single chosen group.
    const r = compileText(SMALL_MOE('routed = 64  top_k = 8  groups = 16 choose 4', 'expert = 64', 'routing { max_nodes = 1 }', 'C8'));
    expect(codes(r)).toEqual(['KAS0531']);
    expect(r.diagnostics.items[0]!.message).toBe('max_nodes = 1 reaches only 4 experts, but top_k is 8');
    expect(codes(compileText(SMALL_MOE('routed = 64  top_k = 8  groups = 16 choose 4', 'expert = 64', 'routing { max_nodes = 2 }', 'C8')))).toEqual([]);
  });
});
