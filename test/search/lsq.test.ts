/**
 * Least squares / ALS (src/search/lsq.ts) against independent computations: the normal equations of
 * a design matrix built column by column with eval.ts's `forward` and solved by Gaussian elimination;
 * the Eckart–Young best rank-r approximation (eigenvalues by Jacobi rotations) for a low-rank
 * candidate fitted to a dense teacher; the block-diagonal part of a dense teacher for a grouped one.
 */
import { describe, expect, it } from 'vitest';
import { forward, indexTable, volume } from '../../src/search/eval.js';
import { fitToTeacher } from '../../src/search/fitness.js';
import { dense, grouped, groupedConv1d, lowRank, poolUnpoolPointwise } from '../../src/search/library.js';
import { choleskySolve, fitWeights, moments, predict, rSquared } from '../../src/search/lsq.js';
import { teacherData } from '../../src/search/teacher.js';
import { Rng } from '../../src/util/rng.js';

const LINEAR = { C_in: 12, C_out: 8, g: 2, r: 3 };

/** Solve A·x = b by Gaussian elimination with partial pivoting (a copy; independent of lsq.ts). */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, descending. */
function symmetricEigenvalues(a0: number[][]): number[] {
  const n = a0.length;
  const a = a0.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
  }
  return a.map((r, i) => r[i]!).sort((x, y) => y - x);
}

describe('choleskySolve', () => {
  it('solves a random SPD system to rounding', () => {
    const rng = new Rng(7);
    const n = 9;
    const m = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.gaussian()));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j]! += m[k]![i]! * m[k]![j]!;
    const x = Float64Array.from({ length: n }, () => rng.gaussian());
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i]! += a[i * n + j]! * x[j]!;
    const got = choleskySolve(Float64Array.from(a), b, n, 0);
    for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(x[i]!, 8);
  });

  it('gives 0 to a block without data and stays finite on a singular one', () => {
    expect([...choleskySolve(new Float64Array(4), Float64Array.from([1, 2]), 2, 1e-10)]).toEqual([0, 0]);
    // [[1, 1], [1, 1]] x = [2, 2]: singular; the ridge picks the minimum-norm answer (1, 1).
    const x = choleskySolve(Float64Array.from([1, 1, 1, 1]), Float64Array.from([2, 2]), 2, 1e-10);
    expect(x[0]).toBeCloseTo(1, 6);
    expect(x[1]).toBeCloseTo(1, 6);
  });
});

describe('single-weight least squares', () => {
  // Targets are random (not any operator's output), so the fit has a real residual to minimise.
  const B = { C_in: 4, C_out: 6, L: 6, g: 2, k: 3 };
  for (const named of [poolUnpoolPointwise(), groupedConv1d()]) {
    it(`${named.name}: equals the normal equations of the explicit design matrix`, () => {
      const t = indexTable(named.operator, B);
      const nIn = volume(t.inputShape);
      const nOut = volume(t.outputShape);
      const p = volume(t.weightShapes[0]!);
      const n = 12;
      const rng = new Rng(3);
      const x = Float64Array.from({ length: n * nIn }, () => rng.gaussian());
      const y = Float64Array.from({ length: n * nOut }, () => rng.gaussian());
      // Column e of the design matrix: the operator's output with the unit weight e.
      const cols: Float64Array[] = [];
      for (let e = 0; e < p; e++) {
        const unit = new Float64Array(p);
        unit[e] = 1;
        const col = new Float64Array(n * nOut);
        for (let s = 0; s < n; s++) col.set(forward(t, x.subarray(s * nIn, (s + 1) * nIn), [unit]), s * nOut);
        cols.push(col);
      }
      const dot = (u: Float64Array, v: Float64Array) => u.reduce((acc, ui, i) => acc + ui * v[i]!, 0);
      const want = gaussSolve(
        cols.map((ci) => cols.map((cj) => dot(ci, cj))),
        cols.map((ci) => dot(ci, y)),
      );
      const fit = fitWeights(t, moments({ n, x, y }, nIn, nOut), { seed: 1, maxSweeps: 1 });
      expect(fit.method).toBe('lsq');
      want.forEach((w, e) => expect(fit.weights[0]![e]).toBeCloseTo(w, 6));
      // The reported training SSE is the residual of those weights.
      const yHat = predict(t, x, n, fit.weights);
      const direct = y.reduce((acc, yi, i) => acc + (yi - yHat[i]!) ** 2, 0);
      expect(fit.history[0]).toBeCloseTo(direct, 6);
    });
  }
});

describe('fits against a dense teacher', () => {
  const config = (candidateSeed: number) => ({ teacher: dense().operator, teacherName: 'dense', binding: LINEAR, samples: 4000, heldOut: 2000, seed: candidateSeed });
  const teacherMatrix = (seed: number) => {
    const w = teacherData(config(seed)).teacherWeights[0]!; // [C_in, C_out]
    return Array.from({ length: LINEAR.C_in }, (_, i) => Array.from({ length: LINEAR.C_out }, (_, o) => w[i * LINEAR.C_out + o]!));
  };
  const frob2 = (m: number[][]) => m.flat().reduce((a, v) => a + v * v, 0);

  it('dense fitted to dense: R² = 1 to rounding', () => {
    const f = fitToTeacher(dense().operator, config(1));
    expect(f.r2).toBeGreaterThan(1 - 1e-12);
  });

  it('low-rank (r = 3 < C_out = 8) fitted to dense reaches the Eckart–Young optimum, and ALS error falls monotonically', () => {
    const W = teacherMatrix(1);
    const wtw = Array.from({ length: LINEAR.C_out }, (_, a) => Array.from({ length: LINEAR.C_out }, (_, b) => W.reduce((s, row) => s + row[a]! * row[b]!, 0)));
    const sigma2 = symmetricEigenvalues(wtw); // σ_i² of W
    const optimum = sigma2.slice(0, LINEAR.r).reduce((a, b) => a + b, 0) / sigma2.reduce((a, b) => a + b, 0);
    const f = fitToTeacher(lowRank().operator, config(1));
    expect(f.outcome.method).toBe('als');
    expect(f.outcome.sweeps).toBeGreaterThan(2);
    // Population R² of the fitted weights for white inputs: 1 − ‖W − U·V‖²_F / ‖W‖²_F.
    const [u, v] = f.outcome.weights as [Float64Array, Float64Array];
    const diff = W.map((row, i) => row.map((w, o) => w - Array.from({ length: LINEAR.r }, (_, j) => u[i * LINEAR.r + j]! * v[j * LINEAR.C_out + o]!).reduce((a, b) => a + b, 0)));
    const population = 1 - frob2(diff) / frob2(W);
    expect(population).toBeLessThanOrEqual(optimum + 1e-9); // cannot beat the best rank-3 matrix
    expect(population).toBeGreaterThan(optimum - 0.01);
    expect(Math.abs(f.r2 - optimum)).toBeLessThan(0.02);
    expect(f.r2).toBeLessThan(0.9);
    const h = f.outcome.history;
    for (let i = 1; i < h.length; i++) expect(h[i]!).toBeLessThanOrEqual(h[i - 1]! * (1 + 1e-12));
    expect(h[h.length - 1]!).toBeLessThan(h[0]!);
  });

  it('grouped (g = 2) fitted to dense learns the block-diagonal part; R² = its share of the variance', () => {
    const W = teacherMatrix(1);
    const gi = LINEAR.C_in / LINEAR.g;
    const go = LINEAR.C_out / LINEAR.g;
    const inBlock = (i: number, o: number) => Math.floor(i / gi) === Math.floor(o / go);
    const share = W.flatMap((row, i) => row.map((w, o) => (inBlock(i, o) ? w * w : 0))).reduce((a, b) => a + b, 0) / frob2(W);
    const f = fitToTeacher(grouped().operator, config(1));
    expect(f.outcome.method).toBe('lsq');
    const w = f.outcome.weights[0]!; // [G, C_in/g, C_out/g]
    // With white inputs the off-block part acts as noise of variance Σ_{off-block i} W[i, o]² on output
    // o, so each fitted weight has standard error √(that / samples); allow 5 of them.
    for (let G = 0; G < LINEAR.g; G++)
      for (let o = 0; o < go; o++) {
        const noise = W.reduce((a, row, i) => a + (inBlock(i, G * go + o) ? 0 : row[G * go + o]! ** 2), 0);
        const tolerance = 5 * Math.sqrt(noise / 4000);
        for (let i = 0; i < gi; i++) expect(Math.abs(w[(G * gi + i) * go + o]! - W[G * gi + i]![G * go + o]!)).toBeLessThan(tolerance);
      }
    expect(Math.abs(f.r2 - share)).toBeLessThan(0.02);
    expect(share).toBeLessThan(0.8);
  });

  it('rSquared: per-output means, variance-weighted', () => {
    // Two outputs, three samples: y = [[1, 10], [2, 20], [3, 30]], ŷ off by 1 on the first output only.
    const y = Float64Array.from([1, 10, 2, 20, 3, 30]);
    const yHat = Float64Array.from([2, 10, 3, 20, 4, 30]);
    // SSE = 3; SST = (1 + 0 + 1) + (100 + 0 + 100) = 202.
    expect(rSquared(y, yHat, 3)).toBeCloseTo(1 - 3 / 202, 14);
  });
});
