/**
 * The semantic fingerprint of an operator: its index relation on small concrete sizes, hashed so
 * that it does not change when weight elements are relabelled (any bijection within a tensor, any
 * permutation of the tensors, any reshape of a weight), nor when reductions are reordered or
 * re-expressed (they are summed away: only the multiset of terms (out, in, w-elements) remains).
 *
 * Output and input offsets are fixed labels — they are the operator's interface. Weight elements
 * are anonymous, so they are named by colour refinement (1-dimensional Weisfeiler–Leman): an
 * element's colour is refined from the terms it occurs in (their output and input offsets and the
 * colours of the other weight elements in them) and from its tensor's colour multiset, until the
 * number of colours stops growing. Colours are ranks of sorted signature strings, and every round's
 * sorted signature list enters the hash, so equal fingerprints mean equal refinement histories.
 *
 * Guarantee: relations equal up to relabelling ⇒ equal fingerprints (the construction only uses
 * relabelling-invariant data). The converse can fail in principle (WL does not separate every pair of
 * non-isomorphic structures), so two operators with one fingerprint are "very probably" equivalent;
 * a soundness test that compares fingerprint sets can therefore miss a lost class that collides
 * with a kept one, never report a loss that is not real.
 */
import { createHash } from 'node:crypto';
import type { Operator } from './ir.js';
import { indexTable, volume, type IndexTable } from './eval.js';
import type { Binding } from './size.js';

function relationText(t: IndexTable): string {
  const nW = t.w.length;
  const header = `y${t.outputShape.join('x')} x${t.inputShape.join('x')} w${nW}`;
  if (nW === 0) {
    const terms: string[] = [];
    for (let k = 0; k < t.terms; k++) terms.push(`${t.out[k]}:${t.in[k]}`);
    return `${header}\n${terms.sort().join(' ')}`;
  }
  // Global element ids: tensor j's element e is base[j] + e.
  const base: number[] = [];
  let total = 0;
  for (const shape of t.weightShapes) {
    base.push(total);
    total += volume(shape);
  }
  const tensorOf = new Int32Array(total);
  t.weightShapes.forEach((shape, j) => tensorOf.fill(j, base[j]!, base[j]! + volume(shape)));
  const elementOf = (j: number, k: number) => base[j]! + t.w[j]![k]!;
  const termsOf: number[][] = Array.from({ length: total }, () => []);
  for (let k = 0; k < t.terms; k++) for (let j = 0; j < nW; j++) termsOf[elementOf(j, k)]!.push(k);

  let colour = new Int32Array(total); // all elements start alike
  let distinct = 1;
  const history: string[] = [];
  for (let round = 0; round <= total; round++) {
    const tensorSig = t.weightShapes.map((_, j) => {
      const cs: number[] = [];
      for (let e = base[j]!; e < base[j]! + volume(t.weightShapes[j]!); e++) cs.push(colour[e]!);
      return cs.sort((a, b) => a - b).join(',');
    });
    const signature: string[] = new Array(total);
    for (let e = 0; e < total; e++) {
      const ctx = termsOf[e]!.map((k) => {
        const others: number[] = [];
        for (let j = 0; j < nW; j++) {
          const f = elementOf(j, k);
          if (f !== e) others.push(colour[f]!);
        }
        return `${t.out[k]}:${t.in[k]}:${others.sort((a, b) => a - b).join(',')}`;
      });
      signature[e] = `${colour[e]}|${tensorSig[tensorOf[e]!]}|${ctx.sort().join(';')}`;
    }
    const dictionary = [...new Set(signature)].sort();
    const rank = new Map(dictionary.map((s, i) => [s, i]));
    history.push(dictionary.join('\n'));
    const next = new Int32Array(total);
    for (let e = 0; e < total; e++) next[e] = rank.get(signature[e]!)!;
    colour = next;
    if (dictionary.length === distinct && round > 0) break;
    distinct = dictionary.length;
  }
  const terms: string[] = [];
  for (let k = 0; k < t.terms; k++) {
    const cs: number[] = [];
    for (let j = 0; j < nW; j++) cs.push(colour[elementOf(j, k)]!);
    terms.push(`${t.out[k]}:${t.in[k]}:${cs.sort((a, b) => a - b).join(',')}`);
  }
  return `${header}\n${history.join('\n--\n')}\n==\n${terms.sort().join(' ')}`;
}

/** Hex fingerprint of the operator's index relation on each binding (see the file comment). */
export function semanticFingerprint(op: Operator, bindings: readonly Binding[]): string {
  const h = createHash('sha256');
  for (const b of bindings) h.update(relationText(indexTable(op, b))).update('\n#\n');
  return h.digest('hex').slice(0, 24);
}
