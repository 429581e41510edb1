/**
 * The counts table of src/search/README.md: for each reference spec and depth 1–4, construction
 * sequences, distinct operators without rules (raw), with the canonical rules (canonical), and
 * semantic classes (distinct fingerprints). Printed, then asserted. Also: each spec's fingerprint
 * bindings keep distinct sizes distinct, and the 2-D library operators are built from legal moves.
 */
import { describe, expect, it } from 'vitest';
import { NO_RULES, ruleSet } from '../../src/search/canonical.js';
import { enumerateOperators, fingerprintOf, fingerprintSet } from '../../src/search/enumerate.js';
import type { Dim } from '../../src/search/ir.js';
import { namedOperators } from '../../src/search/library.js';
import { applyOp, completions, legalMoves, startState } from '../../src/search/primitives.js';
import { integerValue, type Size } from '../../src/search/size.js';
import { image2dSpec, linearSpec, sequenceSpec } from '../../src/search/specs.js';

describe.each([linearSpec(4), sequenceSpec(4), image2dSpec(4)])('counts on the $name spec', (spec) => {
  const raw = enumerateOperators(spec, { rules: NO_RULES, fingerprints: true });
  const canonical = enumerateOperators(spec, { rules: ruleSet(), fingerprints: true });

  it('prints the table', () => {
    const rows = raw.perDepth.slice(1).map((r, i) => {
      const c = canonical.perDepth[i + 1]!;
      return `| ${spec.name} | ${r.depth} | ${r.sequences} | ${r.operators} | ${c.operators} | ${c.semantic} | ${(c.operators / c.semantic!).toFixed(2)} |`;
    });
    console.log(['| spec | depth | sequences | raw | canonical | semantic | canonical/semantic |', '|---|---|---|---|---|---|---|', ...rows].join('\n'));
  });

  it('orders the counts sequences ≥ raw ≥ canonical ≥ semantic at every depth', () => {
    raw.perDepth.forEach((r, d) => {
      const c = canonical.perDepth[d]!;
      expect(r.sequences).toBeGreaterThanOrEqual(r.operators);
      expect(c.operators).toBeLessThanOrEqual(r.operators);
      expect(c.semantic!).toBeLessThanOrEqual(c.operators);
      // Soundness at every depth, not only the last: the rules never postpone a class either.
      expect(c.semantic).toBe(r.semantic);
    });
  });

  it('loses no semantic class to the rules', () => {
    const kept = fingerprintSet(canonical);
    expect([...fingerprintSet(raw)].filter((f) => !kept.has(f))).toEqual([]);
  });

  it('removes some duplicates: canonical < raw at depth 4', () => {
    expect(canonical.perDepth[4]!.operators).toBeLessThan(raw.perDepth[4]!.operators);
  });
});

describe.each([linearSpec(4), sequenceSpec(4), image2dSpec(4)])('fingerprint bindings of the $name spec', (spec) => {
  it('keep every pair of distinct sizes the operators use distinct on at least one binding', () => {
    // Sizes of every expression in every canonical operator to depth 4, except a Stride's own size
    // (2k may equal L: it only sets an Unfold window's centre, never a tensor dimension).
    const sizes = new Map<string, Size>();
    const add = (d: Dim): void => {
      const n = d.node;
      if (n.kind !== 'stride') sizes.set(d.size.key, d.size);
      if (n.kind === 'split') [n.hi, n.lo].forEach(add);
      else if (n.kind === 'unfold') [n.main, n.window].forEach(add);
      else if (n.kind !== 'output' && n.kind !== 'reduce') add(n.of);
    };
    for (const f of enumerateOperators(spec, { rules: ruleSet(), fingerprints: false }).operators.values()) {
      [...f.operator.input, ...f.operator.weights.flat(), ...f.operator.reductions].forEach(add);
    }
    const list = [...sizes.values()];
    expect(list.length).toBeGreaterThan(spec.inputs.length);
    const clashes: string[] = [];
    list.forEach((a, i) =>
      list.slice(i + 1).forEach((b) => {
        if (spec.fingerprintBindings.every((x) => integerValue(a, x) === integerValue(b, x))) clashes.push(`${a.key} = ${b.key}`);
      }),
    );
    expect(clashes).toEqual([]);
  });
});

describe('2-D library operators in the image-2d spec', () => {
  it.each(['conv2d', 'depthwise-separable-conv2d'])('%s is built by legal moves and is one of the completions', (name) => {
    const spec = image2dSpec(9);
    const n = namedOperators().find((o) => o.name === name)!;
    let state = startState(spec);
    for (const step of n.steps) {
      expect(legalMoves(state, spec)).toContain(step);
      state = applyOp(state, step);
    }
    expect(completions(state, spec).map((o) => fingerprintOf(o, spec))).toContain(fingerprintOf(n.operator, spec));
  });
});

describe('exhaustive rediscovery at depth 4', () => {
  it.each([
    ['linear', linearSpec(4), ['dense', 'low-rank']],
    ['sequence-1d', sequenceSpec(4), ['depthwise-conv1d']],
  ] as const)('the %s spec contains its named operators by fingerprint', (_name, spec, names) => {
    const found = fingerprintSet(enumerateOperators(spec, { rules: ruleSet(), fingerprints: true }));
    for (const n of namedOperators().filter((o) => (names as readonly string[]).includes(o.name))) {
      expect(found.has(fingerprintOf(n.operator, spec)), n.name).toBe(true);
    }
  });
});
