/**
 * Local search on one placement domain (a node, or the whole cluster under the global policy): m GPUs
 * with k slots each, `slots[g·k + j]` the (domain-local) expert in GPU g's j-th slot. It minimizes the
 * largest GPU load, then the sum of squared GPU loads (which breaks plateaus where several GPUs share
 * the maximum), with two kinds of move, both touching the heaviest GPU g*:
 *
 *  - swap: exchange a slot of g* with a slot of another GPU (slot counts stay equal);
 *  - relabel: give a slot of expert a (c_a ≥ 2) to expert b, so c_a − 1 and c_b + 1 — this is
 *    replication that looks at the packing: it fires only when the new counts pack better. Either b
 *    sits on g* (its share there shrinks) or the slot is on g* (a heavy replica leaves it).
 *
 * Each step applies the best improving move; the search stops at a local optimum or after `maxSteps`.
 * Deterministic: candidates are scanned in index order and ties keep the first.
 */

const EPS = 1e-12;

export interface DomainState {
  readonly w: readonly number[];
  readonly m: number;
  readonly k: number;
  readonly slots: number[];
}

function loadsOf(s: DomainState, c: readonly number[]): number[] {
  const L = new Array<number>(s.m).fill(0);
  for (let i = 0; i < s.slots.length; i++) {
    const e = s.slots[i]!;
    L[Math.floor(i / s.k)]! += s.w[e]! / c[e]!;
  }
  return L;
}

function countsOf(s: DomainState): number[] {
  const c = new Array<number>(s.w.length).fill(0);
  for (const e of s.slots) c[e]!++;
  return c;
}

/** The objective: [max load, sum of squares]. */
export function objective(L: readonly number[]): [number, number] {
  let max = 0;
  let sq = 0;
  for (const x of L) {
    if (x > max) max = x;
    sq += x * x;
  }
  return [max, sq];
}

/** Whether objective a is better than b, with a relative tolerance against float noise. */
export function better(a: readonly [number, number], b: readonly [number, number]): boolean {
  const tol = EPS * Math.max(1, b[0]);
  if (a[0] < b[0] - tol) return true;
  if (a[0] > b[0] + tol) return false;
  return a[1] < b[1] - EPS * Math.max(1, b[1]);
}

/** Improves `s.slots` in place; returns the final objective. */
export function localSearch(s: DomainState, maxSteps = 10_000): [number, number] {
  const { w, m, k, slots } = s;
  const n = w.length;
  const c = countsOf(s);
  // cnt[e·m + g]: slots of expert e on GPU g.
  const cnt = new Int32Array(n * m);
  for (let i = 0; i < slots.length; i++) cnt[slots[i]! * m + Math.floor(i / k)]!++;
  let L = loadsOf(s, c);
  let cur = objective(L);
  const newL = new Array<number>(m);

  for (let step = 0; step < maxSteps; step++) {
    let gStar = 0;
    for (let g = 1; g < m; g++) if (L[g]! > L[gStar]!) gStar = g;
    const Ls = L[gStar]!;
    // The largest load outside two given GPUs, from the top three.
    const top = L.map((_, g) => g).sort((a, b) => L[b]! - L[a]! || a - b).slice(0, 3);
    const maxExcept = (x: number, y: number) => {
      for (const g of top) if (g !== x && g !== y) return L[g]!;
      return 0;
    };
    let best: [number, number] = cur;
    let move: { kind: 'swap'; i: number; j: number } | { kind: 'relabel'; i: number; b: number } | undefined;

    // Swaps between g* and every other GPU.
    for (let a = gStar * k; a < gStar * k + k; a++) {
      const ea = slots[a]!;
      const sa = w[ea]! / c[ea]!;
      for (let j = 0; j < slots.length; j++) {
        const g = Math.floor(j / k);
        if (g === gStar) {
          j += k - 1;
          continue;
        }
        const eb = slots[j]!;
        if (eb === ea) continue;
        const d = sa - w[eb]! / c[eb]!;
        if (d <= 0) continue;
        const Lg = L[g]!;
        const obj: [number, number] = [Math.max(maxExcept(gStar, g), Ls - d, Lg + d), cur[1] + 2 * d * (Lg - Ls + d)];
        if (better(obj, best)) {
          best = obj;
          move = { kind: 'swap', i: a, j };
        }
      }
    }

    // Relabels: slot i (expert a, c_a ≥ 2) → expert b, with b on g* or i on g*.
    const onStar = new Set<number>();
    for (let a = gStar * k; a < gStar * k + k; a++) onStar.add(slots[a]!);
    // Pruning: taking a replica from a raises every other GPU holding a; if one of them (not the
    // slot's own GPU, not g*) would pass the current maximum, no relabel of that slot can improve.
    const limit = Ls + EPS * Math.max(1, Ls);
    const worst1 = new Float64Array(n).fill(-Infinity);
    const worstG = new Int32Array(n).fill(-1);
    const worst2 = new Float64Array(n).fill(-Infinity);
    const worstG2 = new Int32Array(n).fill(-1);
    for (let a = 0; a < n; a++) {
      if (c[a]! < 2) continue;
      const da = w[a]! / (c[a]! - 1) - w[a]! / c[a]!;
      for (let g = 0; g < m; g++) {
        const q = cnt[a * m + g]!;
        if (q === 0 || g === gStar) continue; // g* may also hold b, whose share falls: leave it to the full check
        const x = L[g]! + q * da;
        if (x > worst1[a]!) {
          worst2[a] = worst1[a]!;
          worstG2[a] = worstG[a]!;
          worst1[a] = x;
          worstG[a] = g;
        } else if (x > worst2[a]!) {
          worst2[a] = x;
          worstG2[a] = g;
        }
      }
    }
    const tryRelabel = (i: number, b: number) => {
      const a = slots[i]!;
      const gi = Math.floor(i / k);
      // (exact only where b has no replica on that GPU; b's falling share could offset the rise)
      const [wv, wg] = worstG[a] === gi ? [worst2[a]!, worstG2[a]!] : [worst1[a]!, worstG[a]!];
      if (wv > limit && cnt[b * m + wg]! === 0) return;
      const da = w[a]! / (c[a]! - 1) - w[a]! / c[a]!;
      const sb1 = w[b]! / (c[b]! + 1);
      const db = sb1 - w[b]! / c[b]!;
      if (L[gi]! + cnt[a * m + gi]! * da + cnt[b * m + gi]! * db + sb1 - w[a]! / (c[a]! - 1) > limit) return;
      let max = 0;
      let sq = 0;
      for (let g = 0; g < m; g++) {
        let x = L[g]! + cnt[a * m + g]! * da + cnt[b * m + g]! * db;
        if (g === gi) x += sb1 - w[a]! / (c[a]! - 1);
        newL[g] = x;
        if (x > max) max = x;
        sq += x * x;
      }
      const obj: [number, number] = [max, sq];
      if (better(obj, best)) {
        best = obj;
        move = { kind: 'relabel', i, b };
      }
    };
    for (const b of onStar) {
      for (let i = 0; i < slots.length; i++) {
        const a = slots[i]!;
        if (a !== b && c[a]! >= 2) tryRelabel(i, b);
      }
    }
    for (let i = gStar * k; i < gStar * k + k; i++) {
      const a = slots[i]!;
      if (c[a]! < 2) continue;
      for (let b = 0; b < n; b++) if (b !== a && !onStar.has(b)) tryRelabel(i, b);
    }

    if (!move) break;
    const mv = move as { kind: 'swap'; i: number; j: number } | { kind: 'relabel'; i: number; b: number };
    if (mv.kind === 'swap') {
      const ea = slots[mv.i]!;
      const eb = slots[mv.j]!;
      const ga = Math.floor(mv.i / k);
      const gb = Math.floor(mv.j / k);
      slots[mv.i] = eb;
      slots[mv.j] = ea;
      cnt[ea * m + ga]!--;
      cnt[ea * m + gb]!++;
      cnt[eb * m + gb]!--;
      cnt[eb * m + ga]!++;
    } else {
      const a = slots[mv.i]!;
      const gi = Math.floor(mv.i / k);
      slots[mv.i] = mv.b;
      c[a]!--;
      c[mv.b]!++;
      cnt[a * m + gi]!--;
      cnt[mv.b * m + gi]!++;
    }
    L = loadsOf(s, c);
    cur = objective(L);
  }
  return cur;
}
