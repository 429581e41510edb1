/**
 * The semantic fingerprint of an operator: its index relation on small concrete sizes, hashed so
 * that it does not change when weight elements are relabelled (any bijection within a tensor, any
 * permutation of the tensors, any reshape of a weight), nor when reductions are reordered or
 * re-expressed (they are summed away: only the multiset of terms (out, in, w-elements) remains), nor
 * when a weight has elements no term reads (dead elements cannot change y; only live ones count).
 *
 * Output and input offsets are fixed labels — they are the operator's interface. Weight elements
 * are anonymous, so they are named by colour refinement (1-dimensional Weisfeiler–Leman): an
 * element's colour is refined from the terms it occurs in (their output and input offsets and the
 * colours of the other weight elements in them) and from its tensor's colour multiset, until the
 * number of colours stops growing. Colours are ranks of sorted signatures (2×32-bit hashes of the
 * refinement data), and every round's sorted signature list enters the hash, so equal fingerprints
 * mean equal refinement histories (up to a 64-bit hash collision).
 *
 * Guarantee: relations equal up to relabelling ⇒ equal fingerprints (the construction only uses
 * relabelling-invariant data). The converse can fail in principle (WL does not separate every pair of
 * non-isomorphic structures), so two operators with one fingerprint are "very probably" equivalent;
 * a soundness test that compares fingerprint sets can therefore miss a lost class that collides
 * with a kept one, never report a loss that is not real.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Operator } from './ir.js';
import { indexTable, volume, type IndexTable } from './eval.js';
import type { Binding } from './size.js';

/** One 32-bit mixing step (murmur3's multiply-xorshift finalizer over h ⊕ v). */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0xcc9e2d51);
  h ^= h >>> 15;
  h = Math.imul(h, 0x1b873593);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Two independent 32-bit lanes, so a collision needs ~64 bits of bad luck. */
const SEED_A = 0x2545f491;
const SEED_B = 0x5851f42d;

function sortedInts(xs: number[]): number[] {
  return xs.sort((a, b) => a - b);
}

/**
 * Feed the index relation to `h`: the header, every Weisfeiler–Leman round's sorted signature list,
 * then the sorted terms with their weight elements named by final colour. Numeric throughout (the
 * signatures are 2×32-bit hashes of relabelling-invariant data, colours are ranks of the sorted
 * signatures), which keeps the guarantee above and is an order of magnitude faster than strings.
 */
function hashRelation(t: IndexTable, h: Hash): void {
  const nW = t.w.length;
  h.update(`y${t.outputShape.join('x')} x${t.inputShape.join('x')} w${nW}\n`);
  // The terms as rows (out, in, c1, c2, …), sorted: packed into one exact float per row when the
  // mixed radix fits 2^53 (always, at fingerprint sizes), else sorted as arrays.
  const termOrder = (cols: number, colRange: number, col: (k: number, i: number) => number): Float64Array => {
    const outRange = volume(t.outputShape);
    const inRange = volume(t.inputShape);
    if (outRange * inRange * colRange ** cols < 2 ** 53) {
      const keys = new Float64Array(t.terms);
      for (let k = 0; k < t.terms; k++) {
        let key = t.out[k]! * inRange + t.in[k]!;
        for (let i = 0; i < cols; i++) key = key * colRange + col(k, i);
        keys[k] = key;
      }
      return keys.sort();
    }
    const rows = Array.from({ length: t.terms }, (_, k) => [t.out[k]!, t.in[k]!, ...Array.from({ length: cols }, (_, i) => col(k, i))]);
    rows.sort((a, b) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
      return 0;
    });
    return Float64Array.from(rows.flat());
  };
  if (nW === 0) {
    h.update(new Uint8Array(termOrder(0, 1, () => 0).buffer));
    return;
  }
  // Global ids of the *live* weight elements — those some term reads — numbered tensor by tensor
  // in layout order: tensor j's live elements are start[j] … start[j+1] − 1. Elements no term reads
  // (dead: w[o mod g, o] reads C_out of its g·C_out; Unfold padding hides a corner) cannot change
  // y, so they are left out: relations equal up to relabelling the live elements hash alike, whatever
  // the dead ones (rule `dependent-weight-axes` in canonical.ts drops them).
  const liveId: Int32Array[] = t.weightShapes.map((shape) => new Int32Array(volume(shape)).fill(-1));
  for (let j = 0; j < nW; j++) for (let k = 0; k < t.terms; k++) liveId[j]![t.w[j]![k]!] = 0;
  const start: number[] = [];
  let total = 0;
  for (const ids of liveId) {
    start.push(total);
    for (let e = 0; e < ids.length; e++) if (ids[e] === 0) ids[e] = total++;
  }
  start.push(total);
  const tensorOf = new Int32Array(total);
  for (let j = 0; j < nW; j++) tensorOf.fill(j, start[j]!, start[j + 1]!);
  const element = (j: number, k: number) => liveId[j]![t.w[j]![k]!]!;

  let colour = new Int32Array(total); // all elements start alike
  let distinct = 1;
  const sumA = new Int32Array(total);
  const sumB = new Int32Array(total);
  const count = new Int32Array(total);
  for (let round = 0; round <= total; round++) {
    // Each tensor's multiset of colours.
    const tensorA: number[] = [];
    const tensorB: number[] = [];
    const histogram = new Int32Array(distinct);
    t.weightShapes.forEach((_, j) => {
      histogram.fill(0);
      for (let e = start[j]!; e < start[j + 1]!; e++) histogram[colour[e]!]!++;
      let a = SEED_A;
      let b = SEED_B;
      for (let c = 0; c < distinct; c++) {
        if (histogram[c] === 0) continue;
        a = mix(mix(a, c), histogram[c]!);
        b = mix(mix(b, c), histogram[c]!);
      }
      tensorA.push(a);
      tensorB.push(b);
    });
    // Each element's multiset of term contexts (out, in, colours of the other elements), summed.
    sumA.fill(0);
    sumB.fill(0);
    count.fill(0);
    const others: number[] = [];
    for (let k = 0; k < t.terms; k++) {
      const a0 = mix(mix(SEED_A, t.out[k]!), t.in[k]!);
      const b0 = mix(mix(SEED_B, t.out[k]!), t.in[k]!);
      for (let j = 0; j < nW; j++) {
        const e = element(j, k);
        let a = a0;
        let b = b0;
        if (nW === 2) {
          const c = colour[element(1 - j, k)]!;
          a = mix(a, c);
          b = mix(b, c);
        } else if (nW > 2) {
          others.length = 0;
          for (let i = 0; i < nW; i++) if (i !== j) others.push(colour[element(i, k)]!);
          for (const c of sortedInts(others)) {
            a = mix(a, c);
            b = mix(b, c);
          }
        }
        sumA[e] = (sumA[e]! + mix(a, 0x68e31da4)) | 0;
        sumB[e] = (sumB[e]! + mix(b, 0x1b56c4e9)) | 0;
        count[e]!++;
      }
    }
    const sigA = new Int32Array(total);
    const sigB = new Int32Array(total);
    for (let e = 0; e < total; e++) {
      const j = tensorOf[e]!;
      sigA[e] = mix(mix(mix(mix(mix(SEED_A, colour[e]!), tensorA[j]!), sumA[e]!), sumB[e]!), count[e]!);
      sigB[e] = mix(mix(mix(mix(mix(SEED_B, colour[e]!), tensorB[j]!), sumB[e]!), sumA[e]!), count[e]!);
    }
    // Colours: ranks of the distinct signatures in (sigA, sigB) order (relabelling-invariant). Sorted
    // as exact floats sigA·2^21 + element (element ids < 2^21), then each run of equal sigA by sigB.
    if (total >= 2 ** 21) throw new Error(`internal error: ${total} weight elements exceed the fingerprint's limit of 2^21; use smaller sizes`);
    const packed = new Float64Array(total);
    for (let e = 0; e < total; e++) packed[e] = (sigA[e]! >>> 0) * 2 ** 21 + e;
    packed.sort();
    const order = Array.from(packed, (p) => p % 2 ** 21);
    for (let i = 0; i < total; ) {
      let j = i + 1;
      while (j < total && sigA[order[j]!] === sigA[order[i]!]) j++;
      if (j - i > 1) {
        const run = order.slice(i, j).sort((x, y) => sigB[x]! - sigB[y]! || x - y);
        for (let t = 0; t < run.length; t++) order[i + t] = run[t]!; // no spread: runs can exceed the call-stack limit
      }
      i = j;
    }
    const next = new Int32Array(total);
    const dictionary: number[] = [];
    let rank = -1;
    for (let i = 0; i < total; i++) {
      const e = order[i]!;
      const prev = order[i - 1];
      if (i === 0 || sigA[e] !== sigA[prev!] || sigB[e] !== sigB[prev!]) {
        rank++;
        dictionary.push(sigA[e]!, sigB[e]!);
      }
      next[e] = rank;
    }
    h.update(new Uint8Array(Int32Array.from(dictionary).buffer)).update('--');
    colour = next;
    if (rank + 1 === distinct && round > 0) break;
    distinct = rank + 1;
  }
  h.update('==');
  // Each term's weight colours, sorted (the weights are unordered).
  let col: (k: number, i: number) => number;
  if (nW === 1) col = (k) => colour[element(0, k)]!;
  else if (nW === 2) {
    col = (k, i) => {
      const a = colour[element(0, k)]!;
      const b = colour[element(1, k)]!;
      return (i === 0) === a < b ? a : b;
    };
  } else {
    const termCols = Array.from({ length: t.terms }, (_, k) => sortedInts(Array.from({ length: nW }, (_, j) => colour[element(j, k)]!)));
    col = (k, i) => termCols[k]![i]!;
  }
  h.update(new Uint8Array(termOrder(nW, distinct, col).buffer));
}

/** Hex fingerprint of the operator's index relation on each binding (see the file comment). */
export function semanticFingerprint(op: Operator, bindings: readonly Binding[]): string {
  const h = createHash('sha256');
  for (const b of bindings) {
    hashRelation(indexTable(op, b), h);
    h.update('\n#\n');
  }
  return h.digest('hex').slice(0, 24);
}
