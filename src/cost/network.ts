/**
 * Fat-tree sizes (ISCA '25 Table 3 conventions): endpoints are NIC ports, links count switch-to-switch
 * cables, a k-port two-level tree connects k²/2 endpoints with 3k/2 switches, a three-level one k³/4
 * endpoints with 5k²/4 switches. Planes and zones are independent copies. Slim Fly and Dragonfly sizes
 * come with the network pass.
 */
import type { ClusterIR } from '../ir/hardware.js';

export interface NetworkSize {
  readonly endpoints: number;
  readonly switches: number;
  readonly links: number;
  /** null when the cluster declares no switch and link prices. */
  readonly costUSD: number | null;
}

export interface NetworkReport {
  readonly topology: string;
  readonly capacity: NetworkSize;
  readonly deployed: NetworkSize;
}

/**
 * Switches and links of one fat tree built for `endpoints` NIC ports with full bisection: leaves of k/2
 * down- and k/2 up-ports; in a two-level tree, spines take the leaves' uplinks; in a three-level tree,
 * aggregation switches pair with edge switches and core switches take the aggregation uplinks.
 */
export function fatTreeSize(radix: number, levels: 2 | 3, endpoints: number): { switches: number; links: number } {
  const half = radix / 2;
  const edge = Math.ceil(endpoints / half);
  if (levels === 2) {
    const spines = Math.ceil((edge * half) / radix);
    return { switches: edge + spines, links: edge * half };
  }
  const agg = edge;
  const core = Math.ceil((agg * half) / radix);
  return { switches: edge + agg + core, links: edge * half + agg * half };
}

function priced(c: ClusterIR, s: { switches: number; links: number }): number | null {
  const n = c.network;
  if (n.switchPrice === null || n.linkPrice === null) return null;
  return s.switches * n.switchPrice + s.links * n.linkPrice;
}

/** The fat tree's name in the ISCA paper: FT2, FT3, MPFT (multi-plane), MRFT (multi-rail). */
export function topologyName(c: ClusterIR): string {
  const n = c.network;
  if (n.kind !== 'fat_tree') return n.kind === 'slim_fly' ? 'sf' : 'df';
  if (n.planes > 1) return 'mpft';
  if (n.rails > 1) return 'mrft';
  return n.levels === 2 ? 'ft2' : 'ft3';
}

export function networkReport(c: ClusterIR): NetworkReport | null {
  const n = c.network;
  if (n.kind !== 'fat_tree') return null;
  const copies = n.planes * n.zones;
  const perCopyFull = n.levels === 2 ? (n.radix * n.radix) / 2 : (n.radix * n.radix * n.radix) / 4;
  const full = fatTreeSize(n.radix, n.levels, perCopyFull);
  const capacity = { endpoints: perCopyFull * copies, switches: full.switches * copies, links: full.links * copies };
  const nicPorts = c.nodeCount * c.node.nic.count;
  const perCopy = Math.ceil(nicPorts / copies);
  const built = fatTreeSize(n.radix, n.levels, Math.min(perCopy, perCopyFull));
  const deployed = { endpoints: nicPorts, switches: built.switches * copies, links: built.links * copies };
  return {
    topology: topologyName(c),
    capacity: { ...capacity, costUSD: priced(c, capacity) },
    deployed: { ...deployed, costUSD: priced(c, deployed) },
  };
}
