/** The default placement policy, its lower bound, the loads reader and the synthetic loads. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eplbLayer } from '../../src/placement/eplb.js';
import { defaultLayer } from '../../src/placement/default.js';
import { maxLoadBound } from '../../src/placement/bound.js';
import { packBalancedKK } from '../../src/placement/packing.js';
import { divisorCounts, replicaShareBound } from '../../src/placement/replicate.js';
import { enumeratePartitions, partitionCount } from '../../src/placement/partition.js';
import { parseLoads, placeLayers, syntheticLoads, checkLayout } from '../../src/placement/index.js';
import { trafficPareto } from '../../src/placement/traffic.js';
import { gpuLoads, replicaCounts, type Layout } from '../../src/placement/types.js';

const maxLoad = (w: number[], p: number[], P: number) => Math.max(...gpuLoads(w, p, P));

/** Every slot used, every expert at least once, and (hierarchical) each group's slots on one node holding nothing else. */
function expectValid(w: number[], p: number[], layout: Layout): void {
  expect(p).toHaveLength(layout.slots);
  expect(replicaCounts(p, w.length).every((c) => c >= 1)).toBe(true);
  if (layout.groups % layout.nodes === 0) {
    const size = w.length / layout.groups;
    const perNode = layout.slots / layout.nodes;
    const nodeOfGroup = new Map<number, number>();
    p.forEach((e, s) => {
      const g = Math.floor(e / size);
      const n = Math.floor(s / perNode);
      expect(nodeOfGroup.get(g) ?? n).toBe(n);
      nodeOfGroup.set(g, n);
    });
  }
}

const LAYOUTS: Layout[] = [
  { slots: 16, groups: 4, nodes: 2, gpus: 8 },
  { slots: 24, groups: 4, nodes: 2, gpus: 8 },
  { slots: 36, groups: 6, nodes: 3, gpus: 12 },
  { slots: 20, groups: 3, nodes: 2, gpus: 4 }, // global policy: 3 groups over 2 nodes
  { slots: 12, groups: 4, nodes: 2, gpus: 4 }, // no redundancy
];

describe('default policy', () => {
  it('is never less balanced than EPLB, keeps whole groups per node, and stays above the bound (random loads)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LAYOUTS), fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 12, maxLength: 12 }), (layout, w) => {
        const d = defaultLayer(w, layout);
        const e = eplbLayer(w, layout);
        expectValid(w, d, layout);
        expect(maxLoad(w, d, layout.gpus)).toBeLessThanOrEqual(maxLoad(w, e, layout.gpus));
        expect(maxLoad(w, d, layout.gpus)).toBeGreaterThanOrEqual(maxLoadBound(w, layout) * (1 - 1e-9));
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('beats EPLB on the README example layer 0 and on average over skewed synthetic layers', () => {
    const w = [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86];
    const layout = { slots: 16, groups: 4, nodes: 2, gpus: 8 };
    expect(maxLoad(w, defaultLayer(w, layout), 8)).toBeLessThan(maxLoad(w, eplbLayer(w, layout), 8));
    const big = { slots: 288, groups: 8, nodes: 4, gpus: 32 };
    const loads = syntheticLoads({ kind: 'zipf', exponent: 1 }, 6, 256, 3);
    const d = placeLayers(loads, big, 'default');
    const e = placeLayers(loads, big, 'eplb');
    expect(d.imbalance).toBeLessThan(e.imbalance);
    d.layers.forEach((l, i) => {
      expect(l.imbalance).toBeLessThanOrEqual(e.layers[i]!.imbalance);
      expect(l.imbalance).toBeGreaterThanOrEqual(l.bound * (1 - 1e-9));
      expectValid(loads[i]!, l.phy2log, big);
    });
  });

  it('is deterministic', () => {
    const loads = syntheticLoads({ kind: 'lognormal', sigma: 1 }, 3, 64, 11);
    const layout = { slots: 80, groups: 8, nodes: 2, gpus: 16 };
    expect(placeLayers(loads, layout, 'default')).toEqual(placeLayers(loads, layout, 'default'));
  });
});

describe('building blocks', () => {
  it('balanced KK gives every GPU the same number of items', () => {
    const gpu = packBalancedKK([9, 8, 7, 6, 5, 4, 3, 2, 1], 3);
    expect([0, 1, 2].map((g) => gpu.filter((x) => x === g).length)).toEqual([3, 3, 3]);
    const sums = [0, 1, 2].map((g) => gpu.reduce((a, x, i) => a + (x === g ? 9 - i : 0), 0));
    expect(Math.max(...sums) - Math.min(...sums)).toBeLessThanOrEqual(2); // 16 15 14 (the optimum is 15 15 15; local search closes that)
  });

  it('the divisor rule minimizes the largest replica share', () => {
    expect(divisorCounts([10, 3, 1], 6)).toEqual([4, 1, 1]);
    expect(replicaShareBound([10, 3, 1], 6)).toBe(3);
  });

  it('counts and enumerates the equal partitions of groups over nodes', () => {
    expect(partitionCount(8, 4)).toBe(105);
    expect(enumeratePartitions(8, 4)).toHaveLength(105);
    expect(partitionCount(8, 8)).toBe(1);
    expect(enumeratePartitions(6, 2)).toHaveLength(10);
  });

  it('the bound is the node floor when nothing can be replicated', () => {
    // 4 experts, 2 GPUs × 2 slots, one node: the heaviest expert's GPU also holds the lightest other.
    expect(maxLoadBound([10, 1, 1, 1], { slots: 4, groups: 1, nodes: 1, gpus: 2 })).toBe(11);
  });
});

describe('loads', () => {
  it('reads JSON and CSV', () => {
    expect(parseLoads('[[1,2],[3,4]]', 'x.json')).toEqual({ ok: true, loads: [[1, 2], [3, 4]] });
    expect(parseLoads('# layer loads\n1, 2\n\n3,4\n', 'x.csv')).toEqual({ ok: true, loads: [[1, 2], [3, 4]] });
  });

  it('says what is wrong with bad loads', () => {
    const bad = (text: string, name: string) => {
      const r = parseLoads(text, name);
      return r.ok ? '' : r.message;
    };
    expect(bad('[[1,2],[3]]', 'a.json')).toMatch(/layer 1 has 1 loads, but layer 0 has 2/);
    expect(bad('[[1,-2]]', 'a.json')).toMatch(/negative/);
    expect(bad('[[1,"x"]]', 'a.json')).toMatch(/is not a number/);
    expect(bad('{"a":1}', 'a.json')).toMatch(/array of arrays/);
    expect(bad('[[1,2', 'a.json')).toMatch(/not valid JSON/);
    expect(bad('1,zz\n', 'a.csv')).toMatch(/line 1, column 2/);
    expect(bad('[]', 'a.json')).toMatch(/no layer/);
  });

  it('checks the layout', () => {
    expect(checkLayout({ slots: 15, groups: 4, nodes: 2, gpus: 8 }, 12)?.rule).toBe('slotsPerGpu');
    expect(checkLayout({ slots: 16, groups: 5, nodes: 2, gpus: 8 }, 12)?.rule).toBe('groupsDivideExperts');
    expect(checkLayout({ slots: 8, groups: 4, nodes: 2, gpus: 8 }, 12)?.rule).toBe('tooFewSlots');
    expect(checkLayout({ slots: 16, groups: 4, nodes: 3, gpus: 8 }, 12)?.rule).toBe('gpusPerNode');
    expect(checkLayout({ slots: 16, groups: 4, nodes: 2, gpus: 8 }, 12)).toBeUndefined();
  });

  it('synthetic loads are seeded and sum to the token count', () => {
    const a = syntheticLoads({ kind: 'zipf', exponent: 1 }, 2, 16, 5);
    expect(syntheticLoads({ kind: 'zipf', exponent: 1 }, 2, 16, 5)).toEqual(a);
    expect(syntheticLoads({ kind: 'zipf', exponent: 1 }, 2, 16, 6)).not.toEqual(a);
    expect(a[0]!.reduce((x, y) => x + y)).toBeCloseTo(16, 9);
    expect([...a[0]!].sort((x, y) => y - x)[0]! / [...a[0]!].sort((x, y) => y - x)[1]!).toBeCloseTo(2, 9);
  });
});

describe('traffic-aware mode', () => {
  it('starts at the default placement with no off-node traffic and trades traffic for balance', () => {
    const loads = syntheticLoads({ kind: 'zipf', exponent: 1 }, 3, 64, 7);
    const layout = { slots: 128, groups: 8, nodes: 4, gpus: 32 };
    const { points } = trafficPareto(loads, layout, 4);
    expect(points[0]!.offNodeFraction).toBe(0);
    expect(points[0]!.imbalance).toBeCloseTo(placeLayers(loads, layout, 'default').imbalance, 12);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.imbalance).toBeLessThan(points[i - 1]!.imbalance);
      expect(points[i]!.offNodeFraction).toBeGreaterThan(points[i - 1]!.offNodeFraction);
    }
  });
});
