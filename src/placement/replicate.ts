/**
 * How many replicas each expert gets. With c_e replicas an expert puts w_e / c_e on each GPU holding
 * one, so no placement can beat T_rep = max_e w_e / c_e. Giving each extra slot to the expert with the
 * highest w/c (EPLB's rule) minimizes that maximum over all count vectors with Σ c_e = S, c_e ≥ 1:
 * the k-th extra slot always goes where the current maximum is, and any allocation that leaves that
 * expert with fewer replicas keeps a share at least as large (the greedy/exchange argument of
 * apportionment: Jefferson–D'Hondt divisor method).
 */

/** Replica counts by the divisor rule over `slots` (≥ w.length) slots; ties to the lower index. */
export function divisorCounts(w: readonly number[], slots: number): number[] {
  const c = w.map(() => 1);
  for (let s = w.length; s < slots; s++) {
    let best = 0;
    for (let e = 1; e < w.length; e++) if (w[e]! / c[e]! > w[best]! / c[best]!) best = e;
    c[best]!++;
  }
  return c;
}

/** T_rep: the smallest possible largest replica share with `slots` slots (see above). */
export function replicaShareBound(w: readonly number[], slots: number): number {
  const c = divisorCounts(w, slots);
  let max = 0;
  for (let e = 0; e < w.length; e++) max = Math.max(max, w[e]! / c[e]!);
  return max;
}

/** Slot labels: expert e repeated c_e times, in expert order. */
export function expandCounts(c: readonly number[]): number[] {
  const out: number[] = [];
  c.forEach((n, e) => {
    for (let i = 0; i < n; i++) out.push(e);
  });
  return out;
}
