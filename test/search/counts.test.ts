/**
 * The counts table of src/search/README.md: for each reference spec and depth 1–4, construction
 * sequences, distinct operators without rules (raw), with the canonical rules (canonical), and
 * semantic classes (distinct fingerprints). Printed, then asserted.
 */
import { describe, expect, it } from 'vitest';
import { NO_RULES, ruleSet } from '../../src/search/canonical.js';
import { enumerateOperators, fingerprintOf, fingerprintSet } from '../../src/search/enumerate.js';
import { namedOperators } from '../../src/search/library.js';
import { linearSpec, sequenceSpec } from '../../src/search/specs.js';

describe.each([linearSpec(4), sequenceSpec(4)])('counts on the $name spec', (spec) => {
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
