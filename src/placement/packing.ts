/**
 * Packing replicas onto GPUs with an equal number of slots each (m GPUs × k slots, m·k items): the
 * balanced Karmarkar–Karp differencing method. Items sorted heaviest first are cut into k rows of m;
 * each row is a partial solution giving every GPU exactly one item. Repeatedly the two partial solutions
 * with the widest spread (max − min) are merged, heaviest subset of one with the lightest of the other,
 * so every GPU still gains one item per row and ends with exactly k
 * (Michiels, Korst, Aarts & van Leeuwen, "Performance ratios for the Karmarkar–Karp differencing
 * method", 2003: the balanced variant BLDM).
 */

interface Partial {
  /** m subsets: their loads and items. */
  readonly loads: number[];
  readonly items: number[][];
}

const spread = (p: Partial) => Math.max(...p.loads) - Math.min(...p.loads);

/** Balanced KK: items (by their weights) → GPU of each item; every GPU gets exactly k = n/m items. */
export function packBalancedKK(weights: readonly number[], m: number): number[] {
  const n = weights.length;
  const order = weights.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]! || a - b);
  let parts: Partial[] = [];
  for (let r = 0; r < n / m; r++) {
    const row = order.slice(r * m, (r + 1) * m);
    parts.push({ loads: row.map((i) => weights[i]!), items: row.map((i) => [i]) });
  }
  while (parts.length > 1) {
    parts.sort((a, b) => spread(b) - spread(a));
    const [a, b] = [parts[0]!, parts[1]!];
    const ia = a.loads.map((_, i) => i).sort((x, y) => a.loads[y]! - a.loads[x]! || x - y);
    const ib = b.loads.map((_, i) => i).sort((x, y) => b.loads[x]! - b.loads[y]! || x - y);
    const merged: Partial = {
      loads: ia.map((x, j) => a.loads[x]! + b.loads[ib[j]!]!),
      items: ia.map((x, j) => [...a.items[x]!, ...b.items[ib[j]!]!]),
    };
    parts = [merged, ...parts.slice(2)];
  }
  const gpu = new Array<number>(n);
  parts[0]!.items.forEach((items, g) => items.forEach((i) => (gpu[i] = g)));
  return gpu;
}

/** Lays items out slot by slot: GPU g's k items fill slots g·k … g·k + k − 1, in item order. */
export function slotsFromGpus(labels: readonly number[], gpuOf: readonly number[], m: number): number[] {
  const k = labels.length / m;
  const fill = new Array<number>(m).fill(0);
  const out = new Array<number>(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const g = gpuOf[i]!;
    out[g * k + fill[g]!++] = labels[i]!;
  }
  return out;
}
