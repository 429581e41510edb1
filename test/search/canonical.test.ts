/**
 * Every canonical rule checked against the semantic oracle: enumerating with the rule must reach
 * exactly the fingerprints reached without any rule. Rules that never fire on the small specs get a
 * directed check that the equivalence they rely on holds.
 */
import { describe, expect, it } from 'vitest';
import { CANONICAL_RULES, NO_RULES, RULE_NAMES, allows, normalize, ruleSet } from '../../src/search/canonical.js';
import { operatorParams } from '../../src/search/cost.js';
import { enumerateOperators, fingerprintOf, fingerprintSet } from '../../src/search/enumerate.js';
import { makeOp, makeOperator, mergeHi, mergeLo, outputDim, reduceDim, shift, split, type Op } from '../../src/search/ir.js';
import { applyOps, completeWith, startState } from '../../src/search/primitives.js';
import { coefficient, div, mul, primary } from '../../src/search/size.js';
import type { SearchSpec } from '../../src/search/spec.js';
import { image2dSpec, linearSpec, sequenceSpec } from '../../src/search/specs.js';

describe.each([linearSpec(4), sequenceSpec(4), image2dSpec(3)])('rule soundness on the $name spec (depth $maxDepth)', (spec) => {
  const raw = enumerateOperators(spec, { rules: NO_RULES, fingerprints: true });
  const rawClasses = fingerprintSet(raw);

  it.each(RULE_NAMES)('%s alone loses no semantic class', (name) => {
    const e = enumerateOperators(spec, { rules: CANONICAL_RULES.filter((r) => r.name === name), fingerprints: true });
    expect(fingerprintSet(e)).toEqual(rawClasses);
  });

  it.each(RULE_NAMES)('all rules but %s lose no semantic class', (name) => {
    const e = enumerateOperators(spec, { rules: ruleSet([name]), fingerprints: true });
    expect(fingerprintSet(e)).toEqual(rawClasses);
  });
});

describe('rule table', () => {
  it('has unique names and a reason for every rule', () => {
    expect(new Set(RULE_NAMES).size).toBe(RULE_NAMES.length);
    for (const r of CANONICAL_RULES) expect(r.why.length).toBeGreaterThan(20);
  });

  it('switches rules off by name and rejects unknown names', () => {
    expect(ruleSet(['split-right-assoc']).map((r) => r.name)).not.toContain('split-right-assoc');
    expect(() => ruleSet(['no-such-rule'])).toThrow(/unknown canonical rule/);
  });
});

/** Directed checks: the rule fires on the construction it targets, and that construction has the same fingerprint as the one kept. */
describe('equivalences the rules rely on', () => {
  const C_in = primary('C_in');
  const C_out = primary('C_out');
  const g = coefficient('g');
  const r = coefficient('r');
  const base: SearchSpec = {
    ...linearSpec(4),
    reduceSizes: [C_in, div(C_in, g), g, r, mul(g, r)],
    blockSizes: [g, r, mul(g, r)],
    fingerprintBindings: [
      { C_in: 6, C_out: 12, g: 2, r: 3 },
      { C_in: 12, C_out: 6, g: 3, r: 2 },
    ],
  };
  const o = outputDim(0, C_out);
  const build = (steps: Op[], input: Parameters<typeof completeWith>[2], weights: Parameters<typeof completeWith>[3]) =>
    completeWith(applyOps(startState(base), steps), base, input, weights);
  const firesOn = (name: string, steps: Op[]) => {
    const rule = CANONICAL_RULES.find((x) => x.name === name)!;
    const before = applyOps(startState(base), steps.slice(0, -1));
    return !allows([rule], before, steps.at(-1)!, base);
  };

  it('merge-inner-first: Merge(⌊o/g⌋, r) ≡ Merge(o, g·r) then Merge(o mod g·r, g)', () => {
    const ri = reduceDim(0, C_in);
    const pruned = [makeOp('merge', [o], g), makeOp('merge', [mergeHi(o, g)], r), makeOp('reduce', [], C_in), makeOp('share', [ri])];
    expect(firesOn('merge-inner-first', pruned.slice(0, 2))).toBe(true);
    const a = build(pruned, [ri], [[ri, mergeHi(mergeHi(o, g), r)], [mergeLo(mergeHi(o, g), r), mergeLo(o, g)]]);
    const gr = mul(g, r);
    const kept = [makeOp('merge', [o], gr), makeOp('merge', [mergeLo(o, gr)], g), makeOp('reduce', [], C_in), makeOp('share', [ri])];
    const b = build(kept, [ri], [[ri, mergeHi(o, gr)], [mergeHi(mergeLo(o, gr), g), mergeLo(mergeLo(o, gr), g)]]);
    expect(fingerprintOf(a, base)).toBe(fingerprintOf(b, base));
  });

  it('merge-of-lone-reduction: Reduce(g·r) + Merge ≡ Reduce(r) + Reduce(g)', () => {
    const gr = mul(g, r);
    const rr = reduceDim(0, gr);
    const pruned = [makeOp('reduce', [], gr), makeOp('merge', [rr], g)];
    expect(firesOn('merge-of-lone-reduction', pruned)).toBe(true);
    const ri = reduceDim(0, C_in);
    const tail = [makeOp('reduce', [], C_in), makeOp('share', [ri])];
    const x = build([...pruned, ...tail], [ri], [[ri, o, mergeHi(rr, g)], [mergeLo(rr, g)]]);
    const y = build([makeOp('reduce', [], r), makeOp('reduce', [], g), ...tail], [ri], [[ri, o, reduceDim(0, r)], [reduceDim(0, g)]]);
    expect(fingerprintOf(x, base)).toBe(fingerprintOf(y, base));
  });

  it('split-of-lone-reductions: Split(r_a, r_b) ≡ Reduce(|a|·|b|)', () => {
    const ra = reduceDim(0, g);
    const rb = reduceDim(0, r);
    const pruned = [makeOp('reduce', [], g), makeOp('reduce', [], r), makeOp('split', [ra, rb])];
    expect(firesOn('split-of-lone-reductions', pruned)).toBe(true);
    const ri = reduceDim(0, C_in);
    const tail = [makeOp('reduce', [], C_in), makeOp('share', [ri])];
    const x = build([...pruned, ...tail], [ri], [[ri, o, split(ra, rb)]]);
    const y = build([makeOp('reduce', [], mul(g, r)), ...tail], [ri], [[ri, o, reduceDim(0, mul(g, r))]]);
    expect(fingerprintOf(x, base)).toBe(fingerprintOf(y, base));
  });

  // Found by the depth-6 counts benchmark: the shorter construction a rule points to must exist.
  it('split-right-assoc keeps Split(a·|b| + b, b): Split(b, b) is no move', () => {
    const t = reduceDim(0, r);
    const steps = [makeOp('reduce', [], r), makeOp('share', [t]), makeOp('split', [o, t])];
    expect(firesOn('split-right-assoc', [...steps, makeOp('split', [split(o, t), t])])).toBe(false);
    const u = reduceDim(0, g);
    expect(firesOn('split-right-assoc', [makeOp('reduce', [], r), makeOp('reduce', [], g), makeOp('split', [o, t]), makeOp('split', [split(o, t), u])])).toBe(true);
  });

  it('split-right-assoc keeps a Shared inner Split', () => {
    const t = reduceDim(0, r);
    const u = reduceDim(0, g);
    const steps = [makeOp('reduce', [], r), makeOp('reduce', [], g), makeOp('split', [o, t]), makeOp('share', [split(o, t)])];
    expect(firesOn('split-right-assoc', [...steps, makeOp('split', [split(o, t), u])])).toBe(false);
  });

  it('merge-undoes-split and split-undoes-merge stay quiet while another copy of a part is around', () => {
    const t = reduceDim(0, r);
    const shared = [makeOp('reduce', [], r), makeOp('share', [t]), makeOp('split', [o, t])];
    expect(firesOn('merge-undoes-split', [...shared, makeOp('merge', [split(o, t)], r)])).toBe(false);
    expect(firesOn('merge-undoes-split', [makeOp('reduce', [], r), makeOp('split', [o, t]), makeOp('merge', [split(o, t)], r)])).toBe(true);
    const halves = [makeOp('share', [o]), makeOp('merge', [o], g)];
    expect(firesOn('split-undoes-merge', [...halves, makeOp('split', [mergeHi(o, g), mergeLo(o, g)])])).toBe(false);
    expect(firesOn('split-undoes-merge', [makeOp('merge', [o], g), makeOp('split', [mergeHi(o, g), mergeLo(o, g)])])).toBe(true);
  });

  it('dependent-weight-axes: w[o mod g, o], w[⌊o/(C_out/g)⌋, o] and w[o, shift(o)] are w[o] without dead elements', () => {
    const i = reduceDim(0, C_in);
    const op = (w: Parameters<typeof makeOperator>[2][number]) => makeOperator([o], [i], [[i], w], [i]);
    const plain = makeOperator([o], [i], [[o], [i]], [i]); // weights in the normal form's (key) order
    const rule = CANONICAL_RULES.filter((x) => x.name === 'dependent-weight-axes');
    const dead = [op([mergeLo(o, g), o]), op([mergeHi(o, div(C_out, g)), o]), op([o, shift(o)]), op([mergeHi(o, g), mergeLo(o, g), o])];
    for (const d of dead) {
      expect(normalize(rule, d)).toBe(plain);
      // Same operator up to relabelling the live elements: the fingerprint ignores the dead ones.
      expect(fingerprintOf(d, base)).toBe(fingerprintOf(plain, base));
    }
    // The normal form's parameters are the live ones: C_in + C_out, not C_in + g·C_out.
    const b = base.fingerprintBindings[0]!;
    expect(operatorParams(dead[0]!, b)).toBe(6 + 2 * 12);
    expect(operatorParams(normalize(rule, dead[0]!), b)).toBe(6 + 12);
    // A weight whose expressions do not determine each other keeps them all: w[⌊o/g⌋, o mod g] and
    // w[o, i] are full layouts, and w[o mod g] next to w[⌊o/g⌋] are two tensors.
    for (const full of [op([mergeHi(o, g), mergeLo(o, g)]), makeOperator([o], [i], [[o, i]], [i]), makeOperator([o], [i], [[i], [mergeHi(o, g)], [mergeLo(o, g)]], [i])]) {
      expect(normalize(rule, full)).toBe(full);
    }
    // A Split determines its halves: w[i, o·C_in + i] → w[o·C_in + i] (then weight-bijections: w[o, i]).
    const dense = makeOperator([o], [i], [[o, i]], [i]);
    expect(normalize(ruleSet(), makeOperator([o], [i], [[i, split(o, i)]], [i]))).toBe(normalize(ruleSet(), dense));
  });

  it('simplify-views: a Merge of a Split by a block dividing (or a multiple of) the low half', () => {
    const i = reduceDim(0, C_in);
    const rule = CANONICAL_RULES.filter((x) => x.name === 'simplify-views');
    const s = split(i, o); // i·C_out + o
    const cg = div(C_out, g);
    // ⌊(i·C_out + o)/g⌋ mod C_out/g = ⌊o/g⌋ (C_out/g is a size the operator uses).
    const a = makeOperator([o], [i], [[i, mergeLo(mergeHi(s, g), cg)]], [i]);
    expect(normalize(rule, a)).toBe(makeOperator([o], [i], [[mergeHi(o, g), i]], [i]));
    expect(fingerprintOf(a, base)).toBe(fingerprintOf(normalize(rule, a), base));
    // (i·C_out + o) mod (C_out/g) with C_out/g in use: o mod (C_out/g).
    const b = makeOperator([o], [i], [[i, mergeLo(s, cg)]], [i]);
    expect(normalize(rule, b)).toBe(makeOperator([o], [i], [[mergeLo(o, cg), i]], [i]));
    expect(fingerprintOf(b, base)).toBe(fingerprintOf(normalize(rule, b), base));
    // ⌊(o·C_in + i)/(g·C_in)⌋ = ⌊o/g⌋ (the block is a multiple of |i|).
    const gc = mul(g, C_in);
    const c = makeOperator([o], [i], [[i, mergeHi(split(o, i), gc), mergeLo(split(o, i), gc)]], [i]);
    expect(fingerprintOf(c, base)).toBe(fingerprintOf(normalize(rule, c), base));
    expect(normalize(rule, c).key).not.toContain(gc.key);
  });
});

