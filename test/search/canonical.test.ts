/**
 * Every canonical rule checked against the semantic oracle: enumerating with the rule must reach
 * exactly the fingerprints reached without any rule. Rules that never fire on the small specs get a
 * directed check that the equivalence they rely on holds.
 */
import { describe, expect, it } from 'vitest';
import { CANONICAL_RULES, NO_RULES, RULE_NAMES, allows, ruleSet } from '../../src/search/canonical.js';
import { enumerateOperators, fingerprintOf, fingerprintSet } from '../../src/search/enumerate.js';
import { makeOp, mergeHi, mergeLo, outputDim, reduceDim, split, type Op } from '../../src/search/ir.js';
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
});
