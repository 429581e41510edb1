/** The Pareto front (src/search/pareto.ts) on hand-made points. */
import { describe, expect, it } from 'vitest';
import type { Candidate, FitnessResult } from '../../src/search/api.js';
import { dense } from '../../src/search/library.js';
import { dominates, nonDominated, paretoFront, type Objectives } from '../../src/search/pareto.js';

const p = (r2: number, flops: number, latencySeconds: number | null = null): Objectives => ({ r2, flops, latencySeconds });
const cand = (fingerprint: string, o: Objectives): Candidate => ({
  operator: dense().operator,
  steps: [],
  fingerprint,
  fitness: { ...o, method: 'lsq', params: 0 } as FitnessResult,
});

describe('dominates', () => {
  it('needs at least as good everywhere and better somewhere', () => {
    expect(dominates(p(0.9, 10, 1), p(0.8, 10, 1))).toBe(true);
    expect(dominates(p(0.9, 10, 1), p(0.9, 11, 1))).toBe(true);
    expect(dominates(p(0.9, 10, 1), p(0.9, 10, 2))).toBe(true);
    expect(dominates(p(0.9, 10, 1), p(0.9, 10, 1))).toBe(false); // equal: neither
    expect(dominates(p(0.9, 10, 2), p(0.8, 5, 1))).toBe(false); // trade-off
    expect(dominates(p(0.9, 10, 1), p(0.95, 20, 0.5))).toBe(false);
  });
  it('a null latency drops out; NaN R² equals NaN and loses to any number', () => {
    expect(dominates(p(0.9, 10, null), p(0.9, 11, 0.1))).toBe(true);
    expect(dominates(p(NaN, 10), p(NaN, 11))).toBe(true);
    expect(dominates(p(NaN, 10), p(NaN, 10))).toBe(false);
    expect(dominates(p(-5, 10), p(NaN, 10))).toBe(true);
    expect(dominates(p(NaN, 10), p(-5, 10))).toBe(false);
  });
});

describe('nonDominated / paretoFront', () => {
  // R² against FLOPs (latency follows FLOPs here except for D):
  //   A (1.00, 100, 4)  B (0.99, 50, 2)  C (0.90, 60, 3)  — dominated by B
  //   D (0.50, 10, 5)   E (0.50, 10, 5) — equal to D, both kept
  //   F (0.95, 50, 1)   — less R² than B but less latency: a trade-off, both kept
  //   G (0.40, 200, 9)  — dominated by everything with fewer FLOPs and more R²
  const pts: [string, Objectives][] = [
    ['A', p(1.0, 100, 4)],
    ['B', p(0.99, 50, 2)],
    ['C', p(0.9, 60, 3)],
    ['D', p(0.5, 10, 5)],
    ['E', p(0.5, 10, 5)],
    ['F', p(0.95, 50, 1)],
    ['G', p(0.4, 200, 9)],
  ];
  it('keeps exactly the non-dominated points', () => {
    expect(nonDominated(pts.map(([, o]) => o)).map((i) => pts[i]![0])).toEqual(['A', 'B', 'D', 'E', 'F']);
  });
  it('sorts by FLOPs, then fingerprint, whatever the input order', () => {
    const cands = pts.map(([name, o]) => cand(name, o));
    const want = ['D', 'E', 'B', 'F', 'A'];
    expect(paretoFront(cands).map((c) => c.fingerprint)).toEqual(want);
    expect(paretoFront([...cands].reverse()).map((c) => c.fingerprint)).toEqual(want);
  });
  it('without latency, F (less R², same FLOPs as B) is dominated', () => {
    const cands = pts.map(([name, o]) => cand(name, { ...o, latencySeconds: null }));
    expect(paretoFront(cands).map((c) => c.fingerprint)).toEqual(['D', 'E', 'B', 'A']);
  });
  it('empty in, empty out', () => {
    expect(paretoFront([])).toEqual([]);
  });
});
