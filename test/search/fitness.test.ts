/**
 * evaluateFitness (src/search/fitness.ts): every library operator fitted to itself as teacher reaches
 * R² ≥ 0.999 (the figures and fit times are printed); operators that cannot express the teacher get
 * clearly less; FLOPs, params and latency come from cost.ts / latency.ts under spec.bindings[0]; no
 * config gives method `none` with R² NaN; equal inputs give identical results.
 */
import { describe, expect, it } from 'vitest';
import type { FitnessConfig, LatencyTarget } from '../../src/search/api.js';
import { operatorFlops, operatorParams } from '../../src/search/cost.js';
import { evaluateFitness, fitToTeacher } from '../../src/search/fitness.js';
import type { Operator } from '../../src/search/ir.js';
import { conv1d, dense, depthwiseConv1d, grouped, lowRank, namedOperators, type NamedOperator } from '../../src/search/library.js';
import { operatorLatency } from '../../src/search/latency.js';
import { completeWith, outputDims, startState, type OperatorInterface } from '../../src/search/primitives.js';
import type { Binding } from '../../src/search/size.js';
import { linearSpec } from '../../src/search/specs.js';
import type { SearchSpec } from '../../src/search/spec.js';
import { fullyConnected, teacherData } from '../../src/search/teacher.js';
import { indexTable } from '../../src/search/eval.js';
import { predict, rSquared } from '../../src/search/lsq.js';

/** The fitness binding: every variable of every library operator, all small. */
const FIT: Binding = { C_in: 8, C_out: 8, C: 6, L: 12, H: 6, W: 6, g: 2, k: 3, r: 3 };
/** The cost binding (spec.bindings[0]). */
const COST: Binding = { C_in: 64, C_out: 128, C: 64, L: 258, H: 24, W: 24, g: 4, k: 3, r: 8 };
const H100: LatencyTarget = { name: 'H100', peakFlopsPerSecond: 67e12, bytesPerSecond: 3.35e12 };

const specOf = (iface: OperatorInterface): SearchSpec => ({ ...linearSpec(), name: 'test', inputs: iface.inputs, outputs: iface.outputs, bindings: [COST] });
const configOf = (teacher: Operator, name: string, seed = 1): FitnessConfig => ({ teacher, teacherName: name, binding: FIT, samples: 256, heldOut: 256, seed });

describe('every library operator fitted to itself', () => {
  const rows: string[] = [];
  for (const named of namedOperators()) {
    it(`${named.name}: R² ≥ 0.999`, () => {
      const config = configOf(named.operator, named.name);
      evaluateFitness(named.operator, specOf(named.iface), config, H100); // teacher data and JIT warm-up
      const t0 = performance.now();
      const r = evaluateFitness(named.operator, specOf(named.iface), config, H100);
      const ms = performance.now() - t0;
      rows.push(`${named.name.padEnd(28)} R² ${r.r2.toFixed(12)}  ${r.method}  ${ms.toFixed(1)} ms`);
      expect(r.r2).toBeGreaterThanOrEqual(0.999);
      expect(r.method).toBe(named.operator.weights.length > 1 ? 'als' : 'lsq');
    });
  }
  it('prints the table', () => {
    console.log(rows.join('\n'));
    expect(rows.length).toBe(namedOperators().length);
  });
});

describe('candidates that cannot express the teacher', () => {
  const linear = (n: NamedOperator) => evaluateFitness(n.operator, specOf(n.iface), configOf(dense().operator, 'dense'), undefined).r2;
  it('grouped and low-rank score clearly below 1 against dense; dense expresses low-rank exactly', () => {
    expect(linear(grouped())).toBeLessThan(0.8);
    expect(linear(lowRank())).toBeLessThan(0.9);
    const dl = evaluateFitness(dense().operator, specOf(dense().iface), configOf(lowRank().operator, 'low-rank'), undefined);
    expect(dl.r2).toBeGreaterThan(1 - 1e-9);
  });
  it('depthwise conv1d cannot mix channels: near 0 against a fully-connected teacher, 1 against itself', () => {
    const d = depthwiseConv1d();
    const fc = evaluateFitness(d.operator, specOf(d.iface), configOf(fullyConnected(d.iface), 'fc'), undefined);
    expect(fc.r2).toBeLessThan(0.1);
  });
  it('conv1d contains depthwise conv1d (C_in = C_out = C): 1 one way, clearly less the other', () => {
    // The interfaces differ symbolically but agree under this binding, which is all the fit needs.
    const binding = { ...FIT, C_in: 6, C_out: 6, C: 6 };
    const fullFitsDepthwise = fitToTeacher(conv1d().operator, { ...configOf(depthwiseConv1d().operator, 'depthwise-conv1d'), binding });
    expect(fullFitsDepthwise.r2).toBeGreaterThan(1 - 1e-9);
    const depthwiseFitsFull = fitToTeacher(depthwiseConv1d().operator, { ...configOf(conv1d().operator, 'conv1d'), binding });
    expect(depthwiseFitsFull.r2).toBeLessThan(0.5);
  });
  it('an operator with no weights (identity) is scored without a fit', () => {
    const iface: OperatorInterface = { inputs: [{ name: 'c', size: dense().iface.inputs[0]!.size }], outputs: [{ name: 'c', size: dense().iface.inputs[0]!.size }] };
    const identity = completeWith(startState(iface), iface, outputDims(iface), []);
    const self = evaluateFitness(identity, specOf(iface), configOf(identity, 'identity'), undefined);
    expect(self.r2).toBeGreaterThan(1 - 1e-12);
    const vsFc = evaluateFitness(identity, specOf(iface), configOf(fullyConnected(iface), 'fc'), undefined);
    expect(vsFc.r2).toBeLessThan(0);
    expect(vsFc.flops).toBe(0);
  });
  it('a candidate whose interface differs from the teacher is a clear error', () => {
    expect(() => fitToTeacher(dense().operator, configOf(conv1d().operator, 'conv1d'))).toThrow(/maps \[8\] → \[8\] but teacher `conv1d` maps \[8, 12\] → \[8, 12\]/);
  });
});

describe('held-out R² from moments', () => {
  it('equals rSquared of the predicted held-out outputs', () => {
    for (const [cand, teacher] of [
      [lowRank(), dense()],
      [grouped(), lowRank()],
      [depthwiseConv1d(), depthwiseConv1d()],
    ] as const) {
      const config = configOf(teacher.operator, teacher.name);
      const fit = fitToTeacher(cand.operator, config);
      const data = teacherData(config);
      const t = indexTable(cand.operator, FIT);
      const direct = rSquared(data.heldOut.y, predict(t, data.heldOut.x, data.heldOut.n, fit.outcome.weights), data.heldOut.n);
      expect(Math.abs(fit.r2 - direct)).toBeLessThan(1e-10);
    }
  });
});

describe('cost figures and determinism', () => {
  it('FLOPs and params under spec.bindings[0], latency from latency.ts, none without a config', () => {
    const op = conv1d().operator;
    const r = evaluateFitness(op, specOf(conv1d().iface), undefined, H100);
    expect(r.method).toBe('none');
    expect(r.r2).toBeNaN();
    expect(r.flops).toBe(operatorFlops(op, COST).flops);
    expect(r.params).toBe(operatorParams(op, COST));
    expect(r.latencySeconds).toBe(operatorLatency(op, COST, H100).seconds);
    expect(evaluateFitness(op, specOf(conv1d().iface), undefined, undefined).latencySeconds).toBeNull();
  });
  it('same config, same bytes; another seed, another sample', () => {
    const spec = specOf(lowRank().iface);
    const a = evaluateFitness(lowRank().operator, spec, configOf(dense().operator, 'dense', 5), H100);
    const b = evaluateFitness(lowRank().operator, spec, configOf(dense().operator, 'dense', 5), H100);
    const c = evaluateFitness(lowRank().operator, spec, configOf(dense().operator, 'dense', 6), H100);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(c.r2).not.toBe(a.r2);
  });
});
