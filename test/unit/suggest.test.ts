import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { closest, didYouMean, editDistance } from '../../src/semantics/suggest.js';

describe('editDistance', () => {
  test('classic cases', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('hidden', 'hiden')).toBe(1);
    expect(editDistance('hidden', 'hidden')).toBe(0);
  });

  test('an adjacent swap costs one (optimal string alignment)', () => {
    expect(editDistance('top_k', 'otp_k')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    // OSA does not edit a substring twice: `ca` → `abc` is 3, not 2 as in full Damerau–Levenshtein.
    expect(editDistance('ca', 'abc')).toBe(3);
  });

  test('is symmetric, zero only on equal strings, and bounded by the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d).toBe(editDistance(b, a));
        expect(d === 0).toBe(a === b);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('closest', () => {
  const fields = ['vocab', 'hidden', 'layers', 'attention', 'kv_lora_rank', 'q_lora_rank', 'top_k'];

  test('finds a near miss', () => {
    expect(closest('hiden', fields)).toBe('hidden');
    expect(closest('kv_lora_rnak', fields)).toBe('kv_lora_rank');
    expect(closest('atention', fields)).toBe('attention');
  });

  test('a case-only difference wins at once', () => {
    expect(closest('Hidden', fields)).toBe('hidden');
    expect(closest('VOCAB', fields)).toBe('vocab');
  });

  test('nothing when too far: the limit is a third of the word, at least one', () => {
    expect(closest('xyz', fields)).toBeUndefined();
    expect(closest('ab', ['cd'])).toBeUndefined();
    expect(closest('a', ['b'])).toBe('b');
    // 'layres' → 'layers' is one swap; limit for 6 letters is 2
    expect(closest('layres', fields)).toBe('layers');
    expect(closest('lyrs', fields)).toBeUndefined();
  });

  test('ties go to the alphabetically first candidate, whatever the order', () => {
    expect(closest('cat', ['bat', 'cab'])).toBe('bat');
    expect(closest('cat', ['cab', 'bat'])).toBe('bat');
  });

  test('nothing from no candidates', () => {
    expect(closest('x', [])).toBeUndefined();
  });

  test('didYouMean phrases it with backticks', () => {
    expect(didYouMean('hiden', fields)).toBe('did you mean `hidden`?');
    expect(didYouMean('qqqqq', fields)).toBeUndefined();
  });
});
