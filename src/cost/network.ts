/**
 * Network sizes and cost (ISCA '25 Table 3 conventions): endpoints are NIC ports, links count
 * switch-to-switch cables (never the NIC-to-switch ones), cost = switches × switch price + links × link
 * price (the Slim Fly paper's model with two prices, derived in stdlib/clusters/deepseek-h800.kas), and
 * the diameter is the longest shortest path between two endpoints' switches, in switch-to-switch hops.
 *
 * Fat trees: a k-port two-level tree connects k²/2 endpoints with 3k/2 switches, a three-level one k³/4
 * endpoints with 5k²/4 switches; planes and zones are independent copies (zones may be joined by a few
 * declared inter-zone switches and links). Slim Fly: the MMS graph of Besta & Hoefler (SC '14). Dragonfly:
 * the balanced Dragonfly of Kim et al. (ISCA '08). docs/formulas.md lists every formula.
 */
import type { ClusterIR, Network } from '../ir/hardware.js';

export interface NetworkSize {
  readonly endpoints: number;
  readonly switches: number;
  readonly links: number;
  /** null when the cluster declares no switch and link prices. */
  readonly costUSD: number | null;
  readonly costPerEndpointUSD: number | null;
  /** Switch-to-switch hops on the longest shortest path; null when parts of the network are not joined. */
  readonly diameter: number | null;
}

/** The shape the sizes were computed from: what a reader needs to check them by hand. */
export type NetworkShape =
  | { readonly kind: 'fat_tree'; readonly radix: number; readonly levels: 2 | 3; readonly planes: number; readonly rails: number; readonly zones: number; readonly interzoneSwitches: number; readonly interzoneLinks: number }
  | {
      readonly kind: 'slim_fly';
      readonly radix: number;
      readonly q: number;
      readonly delta: -1 | 0 | 1;
      /** Switch-to-switch ports per switch, k' = (3q − δ)/2. */
      readonly networkRadix: number;
      /** Endpoint ports per switch, p = ⌈k'/2⌉. */
      readonly endpointsPerSwitch: number;
      /** The MMS construction needs q to be a prime power; ISCA Table 3's q = 28 is not one. */
      readonly qIsPrimePower: boolean;
      readonly qFrom: 'declared' | 'radix';
    }
  | { readonly kind: 'dragonfly'; readonly radix: number; readonly switchesPerGroup: number; readonly globalPerSwitch: number; readonly endpointsPerSwitch: number; readonly groups: number; readonly groupsFrom: 'declared' | 'radix' };

export interface NetworkReport {
  readonly topology: string;
  readonly capacity: NetworkSize;
  readonly deployed: NetworkSize;
  readonly shape: NetworkShape;
}

interface Counts {
  readonly endpoints: number;
  readonly switches: number;
  readonly links: number;
  readonly diameter: number | null;
}

// ── fat trees ────────────────────────────────────────────────────────────────

/** NIC ports one fully built fat tree connects: k²/2 with two levels, k³/4 with three (Al-Fares et al., SIGCOMM '08). */
export function fatTreeCapacity(radix: number, levels: 2 | 3): number {
  return levels === 2 ? (radix * radix) / 2 : (radix * radix * radix) / 4;
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

/**
 * Fat-tree diameter in switch-to-switch hops: up to the top and down again, 2 for two levels and 4 for
 * three. Zones joined through inter-zone switches add a hop up to them and one down (spine → bridge →
 * spine); zones without any are not joined (null).
 */
export function fatTreeDiameter(levels: 2 | 3, zones: number, interzoneSwitches: number): number | null {
  const inTree = 2 * (levels - 1);
  if (zones <= 1) return inTree;
  return interzoneSwitches > 0 ? inTree + 2 : null;
}

function fatTreeCounts(n: Extract<Network, { kind: 'fat_tree' }>, nicPorts: number | null): Counts {
  const copies = n.planes * n.zones;
  const perCopyFull = fatTreeCapacity(n.radix, n.levels);
  const perCopy = nicPorts === null ? perCopyFull : Math.min(Math.ceil(nicPorts / copies), perCopyFull);
  const tree = fatTreeSize(n.radix, n.levels, perCopy);
  const joined = n.zones > 1 ? 1 : 0;
  return {
    endpoints: nicPorts ?? perCopyFull * copies,
    switches: tree.switches * copies + joined * n.interzoneSwitches,
    links: tree.links * copies + joined * n.interzoneLinks,
    diameter: fatTreeDiameter(n.levels, n.zones, n.interzoneSwitches),
  };
}

// ── Slim Fly ─────────────────────────────────────────────────────────────────

/** MMS parameter δ from q = 4w + δ, δ ∈ {−1, 0, 1}; null when q ≡ 2 (mod 4), for which no MMS graph exists. */
export function slimFlyDelta(q: number): -1 | 0 | 1 | null {
  const r = q % 4;
  return r === 0 ? 0 : r === 1 ? 1 : r === 3 ? -1 : null;
}

/** Switch-to-switch ports of each Slim Fly switch: k' = (3q − δ)/2 (Besta & Hoefler, SC '14, §2.1). */
export function slimFlyNetworkRadix(q: number, delta: -1 | 0 | 1): number {
  return (3 * q - delta) / 2;
}

/** Endpoints per Slim Fly switch for full global bandwidth: p = ⌈k'/2⌉ (Besta & Hoefler §3.1). */
export function slimFlyEndpointsPerSwitch(networkRadix: number): number {
  return Math.ceil(networkRadix / 2);
}

/** Ports a Slim Fly switch of parameter q needs: k' + p; null when q admits no MMS graph. */
export function slimFlyPortsNeeded(q: number): number | null {
  const delta = slimFlyDelta(q);
  if (delta === null) return null;
  const k = slimFlyNetworkRadix(q, delta);
  return k + slimFlyEndpointsPerSwitch(k);
}

/** The largest q whose switches fit in `radix` ports (k' + p ≤ radix); null below q = 3. ISCA: radix 64 → q = 28. */
export function slimFlyQForRadix(radix: number): number | null {
  for (let q = Math.floor((2 * radix) / 3) + 2; q >= 3; q--) {
    const ports = slimFlyPortsNeeded(q);
    if (ports !== null && ports <= radix) return q;
  }
  return null;
}

/** Whether q = pⁿ for a prime p, as the MMS construction over the field F_q requires. */
export function isPrimePower(q: number): boolean {
  if (q < 2) return false;
  for (let p = 2; p * p <= q; p++) {
    if (q % p !== 0) continue;
    let r = q;
    while (r % p === 0) r /= p;
    return r === 1;
  }
  return true;
}

/**
 * A Slim Fly of parameter q: 2q² switches, each with k' network and p endpoint ports; 2q²·p endpoints;
 * 2q²·k'/2 = q²·k' switch-to-switch links; diameter 2 (Besta & Hoefler §2.1, §3.1).
 */
export function slimFlySize(q: number): { switches: number; endpoints: number; links: number; diameter: number } {
  const delta = slimFlyDelta(q) ?? 0;
  const k = slimFlyNetworkRadix(q, delta);
  const switches = 2 * q * q;
  return { switches, endpoints: switches * slimFlyEndpointsPerSwitch(k), links: q * q * k, diameter: 2 };
}

/** The smallest Slim Fly (q ≤ qMax, q ≢ 2 mod 4) with at least `endpoints` endpoint ports; qMax when none is smaller. */
export function slimFlyQForEndpoints(endpoints: number, qMax: number): number {
  for (let q = 3; q < qMax; q++) {
    if (slimFlyDelta(q) !== null && slimFlySize(q).endpoints >= endpoints) return q;
  }
  return qMax;
}

// ── Dragonfly ────────────────────────────────────────────────────────────────

/**
 * The balanced Dragonfly for `radix`-port switches (Kim et al., ISCA '08, §3.1): a = 2p = 2h, with
 * p + (a − 1) + h = 4p − 1 ≤ radix, so p = h = ⌊(radix + 1)/4⌋ and a = 2p. Radix 64: p = h = 16, a = 32.
 */
export function dragonflyShape(radix: number): { switchesPerGroup: number; globalPerSwitch: number; endpointsPerSwitch: number } {
  const p = Math.floor((radix + 1) / 4);
  return { switchesPerGroup: 2 * p, globalPerSwitch: p, endpointsPerSwitch: p };
}

/** The most groups a Dragonfly can join with one global link between every pair: g = a·h + 1. */
export function dragonflyMaxGroups(switchesPerGroup: number, globalPerSwitch: number): number {
  return switchesPerGroup * globalPerSwitch + 1;
}

/**
 * A Dragonfly of g groups: a·g switches, a·g·p endpoints; links = g·a(a − 1)/2 inside the groups
 * (each group a clique) + ⌊g·a·h/2⌋ global links (every global port wired: with g − 1 < a·h some
 * pairs of groups get more than one). Diameter 3 (local, global, local), 1 with a single group.
 */
export function dragonflySize(a: number, h: number, p: number, groups: number): { switches: number; endpoints: number; links: number; diameter: number } {
  const local = (groups * a * (a - 1)) / 2;
  const global = groups > 1 ? Math.floor((groups * a * h) / 2) : 0;
  return { switches: a * groups, endpoints: a * groups * p, links: local + global, diameter: groups > 1 ? 3 : 1 };
}

// ── the report ───────────────────────────────────────────────────────────────

/** Cost of a network: switches × switch price + links × link price (the Slim Fly paper's model, ISCA Table 3). */
export function networkCostUSD(switches: number, links: number, switchPrice: number | null, linkPrice: number | null): number | null {
  if (switchPrice === null || linkPrice === null) return null;
  return switches * switchPrice + links * linkPrice;
}

/** The network's name in the ISCA paper: FT2, FT3, MPFT (multi-plane), MRFT (multi-rail), SF, DF. */
export function topologyName(c: ClusterIR): string {
  const n = c.network;
  if (n.kind !== 'fat_tree') return n.kind === 'slim_fly' ? 'sf' : 'df';
  if (n.planes > 1) return 'mpft';
  if (n.rails > 1) return 'mrft';
  return n.levels === 2 ? 'ft2' : 'ft3';
}

function priced(n: Network, s: Counts): NetworkSize {
  const costUSD = networkCostUSD(s.switches, s.links, n.switchPrice, n.linkPrice);
  return { endpoints: s.endpoints, switches: s.switches, links: s.links, costUSD, costPerEndpointUSD: costUSD === null || s.endpoints === 0 ? null : costUSD / s.endpoints, diameter: s.diameter };
}

/**
 * The network at full capacity (every switch port used) and at the cluster's size (what its NICs need:
 * the smallest tree, Slim Fly or number of Dragonfly groups that connects them). Returns null only for a
 * radix too small for the topology, which the checker reports.
 */
export function networkReport(c: ClusterIR): NetworkReport | null {
  const n = c.network;
  const nicPorts = c.nodeCount * c.node.nic.count;
  if (n.kind === 'fat_tree') {
    const shape: NetworkShape = { kind: 'fat_tree', radix: n.radix, levels: n.levels, planes: n.planes, rails: n.rails, zones: n.zones, interzoneSwitches: n.interzoneSwitches, interzoneLinks: n.interzoneLinks };
    return { topology: topologyName(c), capacity: priced(n, fatTreeCounts(n, null)), deployed: priced(n, fatTreeCounts(n, nicPorts)), shape };
  }
  if (n.kind === 'slim_fly') {
    const q = n.q ?? slimFlyQForRadix(n.radix);
    const delta = q === null ? null : slimFlyDelta(q);
    if (q === null || delta === null) return null;
    const k = slimFlyNetworkRadix(q, delta);
    const full = slimFlySize(q);
    const built = slimFlySize(slimFlyQForEndpoints(nicPorts, q));
    const shape: NetworkShape = { kind: 'slim_fly', radix: n.radix, q, delta, networkRadix: k, endpointsPerSwitch: slimFlyEndpointsPerSwitch(k), qIsPrimePower: isPrimePower(q), qFrom: n.q === null ? 'radix' : 'declared' };
    return { topology: 'sf', capacity: priced(n, full), deployed: priced(n, { ...built, endpoints: nicPorts }), shape };
  }
  const { switchesPerGroup: a, globalPerSwitch: h, endpointsPerSwitch: p } = dragonflyShape(n.radix);
  if (p === 0) return null;
  const groups = n.groups ?? dragonflyMaxGroups(a, h);
  const full = dragonflySize(a, h, p, groups);
  const built = dragonflySize(a, h, p, Math.min(groups, Math.max(1, Math.ceil(nicPorts / (a * p)))));
  const shape: NetworkShape = { kind: 'dragonfly', radix: n.radix, switchesPerGroup: a, globalPerSwitch: h, endpointsPerSwitch: p, groups, groupsFrom: n.groups === null ? 'radix' : 'declared' };
  return { topology: 'df', capacity: priced(n, full), deployed: priced(n, { ...built, endpoints: nicPorts }), shape };
}
