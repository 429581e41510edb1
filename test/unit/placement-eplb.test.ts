/** EPLB, DeepSeek's public expert-placement algorithm, reproduced exactly (REFERENCE.md: its README example). */
import { describe, expect, it } from 'vitest';
import { balancedPacking, eplbLayer, replicateGreedy } from '../../src/placement/eplb.js';
import { gpuLoads, imbalance, replicaCounts } from '../../src/placement/types.js';

const README_LOADS = [
  [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
  [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
];
const README_PHY2LOG = [
  [5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1],
  [7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1],
];
const README_LAYOUT = { slots: 16, groups: 4, nodes: 2, gpus: 8 };

describe('eplb', () => {
  it('reproduces the EPLB README example exactly', () => {
    expect(README_LOADS.map((w) => eplbLayer(w, README_LAYOUT))).toEqual(README_PHY2LOG);
  });

  it('leaves layer 0 of the README example at GPU loads 86.5 … 156 against a mean of 129.1', () => {
    const loads = gpuLoads(README_LOADS[0]!, README_PHY2LOG[0]!, 8);
    expect(Math.min(...loads)).toBeCloseTo(86.5, 6);
    expect(Math.max(...loads)).toBeCloseTo(156, 6);
    expect(loads.reduce((a, b) => a + b) / 8).toBeCloseTo(129.125, 6);
    expect(imbalance(loads, README_LOADS[0]!)).toBeCloseTo(156 / 129.125, 9);
  });

  it('replicates by the highest load per replica, first index on ties', () => {
    expect(replicateGreedy([4, 4, 1], 5).phy2log).toEqual([0, 1, 2, 0, 1]);
    expect(replicateGreedy([10, 3], 4).count).toEqual([3, 1]);
  });

  it('packs heaviest first into the lightest pack that is not full, first pack on ties', () => {
    const { pack, rank } = balancedPacking([5, 5, 4, 3], 2); // 5→0, 5→1, 4→0 (tie: first), 3→1
    expect(pack).toEqual([0, 1, 0, 1]);
    expect(rank).toEqual([0, 0, 1, 1]);
  });

  it('falls back to the global policy when groups do not divide over nodes', () => {
    const w = [9, 1, 1, 1, 1, 1];
    const p = eplbLayer(w, { slots: 8, groups: 3, nodes: 2, gpus: 4 });
    expect(replicaCounts(p, 6)).toEqual([3, 1, 1, 1, 1, 1]);
  });
});
