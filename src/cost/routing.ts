/**
 * Node-limited routing, analytically: how many nodes and GPUs a token's top-k experts reach when the
 * experts are chosen uniformly at random, and what that costs on InfiniBand and NVLink.
 *
 * Layout (V3TR §3.2.2, ISCA §4.3): E routed experts split evenly over the EP ranks of an
 * expert-parallel group, in order (expert e on rank ⌊e / (E/EP)⌋), ranks filling nodes in order. A
 * token travels once over IB to every remote node it needs (to the GPU of its own rail there) and is
 * forwarded over NVLink to the other GPUs of that node that hold its experts; the combine retraces the
 * same path in reverse. Sources: V3TR §3.2.2; ISCA §4.3; DeepEP's internode kernels.
 */

/** C(a, k) / C(b, k) = Π_{i<k} (a − i)/(b − i), 0 when a < k: the chance a uniform k-subset of b avoids b − a items. */
export function binomialRatio(a: number, b: number, k: number): number {
  if (a < k) return 0;
  let r = 1;
  for (let i = 0; i < k; i++) r *= (a - i) / (b - i);
  return r;
}

/**
 * Expected distinct units reached by k experts drawn uniformly without replacement from `units`
 * equal units of `perUnit` experts each (hypergeometric occupancy):
 *     E[distinct] = units · (1 − C(units·perUnit − perUnit, k) / C(units·perUnit, k)).
 * Nodes: units = N, perUnit = E/N (ISCA §4.3's "distinct nodes per token"); GPUs: units = EP.
 */
export function expectedDistinctUnits(units: number, perUnit: number, k: number): number {
  const pool = units * perUnit;
  return units * (1 - binomialRatio(pool - perUnit, pool, k));
}

/**
 * Expected remote nodes: the token's own node is one of the N nodes of the EP group, uniformly and
 * independently of its routing, so it is among the D reached nodes with chance D/N:
 *     E[remote] = D · (1 − 1/N).
 */
export function expectedRemoteNodes(distinctNodes: number, nodes: number): number {
  return distinctNodes * (1 - 1 / nodes);
}

/**
 * Expected NVLink transfers per token for a dispatch (the combine mirrors it): every reached GPU but
 * the token's own, less the rail-aligned GPUs of remote nodes, which IB delivers to directly.
 * With D_gpu reached GPUs, D_gpu·(1 − 1/N) of them remote, g EP ranks per node and EP ranks in all:
 *     E[NVLink] = D_gpu − D_gpu / EP − D_gpu · (1 − 1/N) / g.
 */
export function expectedNvlinkTransfers(distinctGpus: number, epRanks: number, nodes: number, ranksPerNode: number): number {
  return distinctGpus - distinctGpus / epRanks - (distinctGpus * (1 - 1 / nodes)) / ranksPerNode;
}

/** Bytes a token puts on a link: transfers × hidden × bytes per element (V3TR §3.2.2). */
export function bytesPerToken(transfers: number, hidden: number, elementBytes: number): number {
  return transfers * hidden * elementBytes;
}

/**
 * The nodes a group-limited gate can reach: with G groups on N nodes, choosing c groups reaches at
 * most min(c, N) nodes when every node holds whole groups (G % N = 0), c · N/G when every group spans
 * whole nodes (N % G = 0); otherwise groups straddle nodes and bound nothing (null).
 */
export function groupNodeBound(groups: number, choose: number, nodes: number): number | null {
  if (groups % nodes === 0) return Math.min(choose, nodes);
  if (nodes % groups === 0) return choose * (nodes / groups);
  return null;
}

/**
 * Experts a token could reach at the IB cost of the node limit M (V3TR §3.2.2: "up to 13 experts,
 * 4 nodes × 3.2 experts per node"): while one IB transfer per node crosses at the IB rate, NVLink
 * forwards r = NVLink / IB copies inside the node in the same time, so
 *     experts at the same IB cost = M · NVLink bandwidth / IB bandwidth (per GPU).
 */
export function expertsAtSameIbCost(maxNodes: number, nvlinkPerGpu: number, ibPerGpu: number): number {
  return (maxNodes * nvlinkPerGpu) / ibPerGpu;
}
