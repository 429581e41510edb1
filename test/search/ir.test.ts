import { describe, expect, it } from 'vitest';
import { operatorFlops, operatorParams } from '../../src/search/cost.js';
import { forward, indexTable } from '../../src/search/eval.js';
import { semanticFingerprint } from '../../src/search/fingerprint.js';
import { initialState, makeOp, makeState, mergeHi, mergeLo, outputDim, reduceDim, shift, split, stride, unfold } from '../../src/search/ir.js';
import { dense, lowRank } from '../../src/search/library.js';
import { applyOp, applyOps, completeWith, completions, legalMoves, startState } from '../../src/search/primitives.js';
import {
  coefficient,
  constant,
  div,
  evaluateSize,
  integerValue,
  isCoefficientOnly,
  isPositiveIntegerForAll,
  mul,
  primary,
  sizeVariable,
} from '../../src/search/size.js';
import { linearSpec, sequenceSpec } from '../../src/search/specs.js';

const C_in = primary('C_in');
const C_out = primary('C_out');
const g = coefficient('g');
const k = coefficient('k');

describe('symbolic sizes', () => {
  it('multiplies and divides monomials with integer exponents', () => {
    const perGroup = div(C_in, g);
    expect(perGroup.key).toBe('C_in*g^-1');
    expect(mul(perGroup, g)).toBe(C_in);
    expect(div(g, g)).toBe(constant(1));
    expect(mul(constant(2), div(C_out, mul(g, g))).key).toBe('2*C_out*g^-2');
    expect(div(constant(3), constant(6)).key).toBe('1/2');
  });

  it('interns: equal structure is the same object', () => {
    expect(mul(C_in, C_out)).toBe(mul(C_out, C_in));
    expect(div(mul(C_in, g), g)).toBe(C_in);
  });

  it('evaluates under a binding and checks integrality on every binding', () => {
    const perGroup = div(C_in, g);
    expect(evaluateSize(perGroup, { C_in: 6, g: 4 })).toBe(1.5);
    expect(integerValue(perGroup, { C_in: 8, g: 4 })).toBe(2);
    expect(integerValue(perGroup, { C_in: 6, g: 4 })).toBeNull();
    expect(isPositiveIntegerForAll(perGroup, [{ C_in: 8, g: 4 }, { C_in: 12, g: 2 }])).toBe(true);
    expect(isPositiveIntegerForAll(perGroup, [{ C_in: 8, g: 4 }, { C_in: 6, g: 4 }])).toBe(false);
    expect(isPositiveIntegerForAll(perGroup, [{ C_in: 8 }])).toBe(false);
  });

  it('knows primary from coefficient variables', () => {
    expect(isCoefficientOnly(mul(g, k))).toBe(true);
    expect(isCoefficientOnly(div(C_in, g))).toBe(false);
    expect(() => sizeVariable('g', 'primary')).toThrow(/internal error/);
  });
});

describe('hash-consed IR', () => {
  it('gives equal expressions, ops and states the same object', () => {
    const o = outputDim(0, C_out);
    expect(mergeHi(o, g)).toBe(mergeHi(outputDim(0, C_out), g));
    expect(split(mergeHi(o, g), mergeLo(o, g))).not.toBe(o);
    expect(makeOp('shift', [o])).toBe(makeOp('shift', [outputDim(0, C_out)]));
    expect(makeState([o, reduceDim(0, C_in)], [reduceDim(0, C_in)])).toBe(makeState([reduceDim(0, C_in), o], [reduceDim(0, C_in)]));
  });

  it('makes commuting construction orders meet (the search space is a DAG)', () => {
    const s0 = initialState([C_out]);
    const o = outputDim(0, C_out);
    const a = applyOps(s0, [makeOp('reduce', [], C_in), makeOp('share', [o])]);
    const b = applyOps(s0, [makeOp('share', [o]), makeOp('reduce', [], C_in)]);
    expect(a).toBe(b);
    expect(applyOps(s0, [makeOp('reduce', [], g), makeOp('reduce', [], C_in)])).toBe(applyOps(s0, [makeOp('reduce', [], C_in), makeOp('reduce', [], g)]));
  });

  it('records the iterators an expression reads', () => {
    const l = outputDim(1, primary('L'));
    const t = reduceDim(0, k);
    const u = unfold(l, stride(t, constant(2)));
    expect(u.iterators).toEqual([l, t].sort((a, b) => (a.key < b.key ? -1 : 1)));
    expect(u.readsReduction).toBe(true);
    expect(shift(l).readsReduction).toBe(false);
  });
});

describe('primitives', () => {
  it('only offers sizes that are integers under every binding', () => {
    const spec = { ...linearSpec(3), blockSizes: [g, coefficient('r')], bindings: [{ C_in: 64, C_out: 128, g: 4, r: 3 }] };
    const merges = legalMoves(startState(spec), spec).filter((m) => m.primitive === 'merge');
    expect(merges.map((m) => m.size!.key)).toEqual(['g']); // 128 / 3 is not an integer
  });

  it('lets a Stride feed only an Unfold window and never finish an operator', () => {
    const spec = sequenceSpec(4);
    let s = applyOp(startState(spec), makeOp('reduce', [], k));
    const t = reduceDim(0, k);
    s = applyOp(s, makeOp('stride', [t], constant(2)));
    const strided = stride(t, constant(2));
    const moves = legalMoves(s, spec);
    expect(moves.filter((m) => m.operands.includes(strided)).every((m) => m.primitive === 'unfold' && m.operands[1] === strided)).toBe(true);
    expect(completions(s, spec)).toEqual([]);
  });

  it('deals a finished frontier to the input and up to maxWeights weights', () => {
    const spec = linearSpec(2);
    const r = reduceDim(0, C_in);
    const s = applyOps(startState(spec), [makeOp('reduce', [], C_in), makeOp('share', [r])]);
    // frontier {o, r, r}: x gets one r; the rest {o, r} is one weight [o, r] or two weights [o], [r]
    expect(completions(s, spec).map((op) => op.weights.map((w) => w.length).join('+')).sort()).toEqual(['1+1', '2']);
    const fp = (op: Parameters<typeof semanticFingerprint>[0]) => semanticFingerprint(op, spec.fingerprintBindings);
    expect(completions(s, spec).map(fp)).toContain(fp(dense().operator)); // dense, up to weight layout
  });

  it('rejects a hand layout that does not use the frontier exactly', () => {
    const spec = linearSpec(2);
    const s = applyOp(startState(spec), makeOp('reduce', [], C_in));
    expect(() => completeWith(s, spec, [reduceDim(0, C_in)], [[reduceDim(0, C_in)]])).toThrow(/internal error/);
  });
});

describe('cost and evaluation', () => {
  const B = { C_in: 6, C_out: 8, r: 2 };

  it('picks the cheaper weight order for a chain', () => {
    const f = operatorFlops(lowRank().operator, B);
    expect(f.order).toEqual([0, 1]); // x·U first, then V
    expect(f.muls).toBe(6 * 2 + 2 * 8);
    expect(operatorParams(lowRank().operator, B)).toBe(2 * (6 + 8));
  });

  it('zero-pads an Unfold: edge outputs have fewer terms', () => {
    const spec = sequenceSpec(4);
    const L = primary('L');
    const C = primary('C');
    const t = reduceDim(0, k);
    const l = outputDim(1, L);
    const c = outputDim(0, C);
    const s = applyOps(startState(spec), [makeOp('reduce', [], k), makeOp('unfold', [l, t])]);
    const op = completeWith(s, spec, [c, unfold(l, t)], []);
    const y = forward(indexTable(op, { C: 1, L: 5, k: 3 }), Float64Array.from([1, 2, 3, 4, 5]), []);
    expect([...y]).toEqual([3, 6, 9, 12, 9]);
  });

  it('fingerprints relabelled weights alike and different relations apart', () => {
    const bindings = [{ C_in: 4, C_out: 6, g: 2, r: 3 }];
    const o = outputDim(0, C_out);
    const r = reduceDim(0, C_in);
    const spec = linearSpec(3);
    const s = applyOps(startState(spec), [makeOp('reduce', [], C_in), makeOp('share', [r])]);
    const wOR = completeWith(s, spec, [r], [[o, r]]);
    const wRO = completeWith(s, spec, [r], [[r, o]]);
    const sShift = applyOps(s, [makeOp('shift', [o])]);
    const wShifted = completeWith(sShift, spec, [r], [[r, shift(o)]]);
    const factored = completeWith(s, spec, [r], [[o], [r]]);
    expect(semanticFingerprint(wOR, bindings)).toBe(semanticFingerprint(wRO, bindings));
    expect(semanticFingerprint(wOR, bindings)).toBe(semanticFingerprint(wShifted, bindings));
    expect(semanticFingerprint(wOR, bindings)).not.toBe(semanticFingerprint(factored, bindings));
    // Σ_r x[(r+1) mod N]·w[r, o] is Σ_r x[r]·w'[r, o] with w' a relabelled w: the same class.
    const shiftedData = completeWith(applyOps(s, [makeOp('shift', [r])]), spec, [shift(r)], [[r, o]]);
    expect(semanticFingerprint(shiftedData, bindings)).toBe(semanticFingerprint(wOR, bindings));
    // A shift of an output coordinate moves data relative to the output: a different class.
    const sShiftOut = applyOps(startState(sequenceSpec(3)), [makeOp('shift', [outputDim(1, primary('L'))])]);
    const moved = completeWith(sShiftOut, sequenceSpec(3), [outputDim(0, primary('C')), shift(outputDim(1, primary('L')))], []);
    const still = completeWith(startState(sequenceSpec(3)), sequenceSpec(3), [outputDim(0, primary('C')), outputDim(1, primary('L'))], []);
    const seqBindings = [{ C: 2, L: 4, k: 3 }];
    expect(semanticFingerprint(moved, seqBindings)).not.toBe(semanticFingerprint(still, seqBindings));
  });
});
