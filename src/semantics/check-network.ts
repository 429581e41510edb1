/**
 * Consistency of a cluster's network that no single field can see: a Slim Fly q that admits an MMS
 * graph and fits the switch radix, a Dragonfly whose groups its global ports can join, a network that
 * connects every NIC, inter-zone switches only where there are zones. The sizes come from
 * src/cost/network.ts, so the checker and the report agree.
 */
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import { num, spanOf, type CheckedBody } from './evaluate.js';
import { dragonflyMaxGroups, dragonflyShape, dragonflySize, isPrimePower, slimFlyDelta, slimFlyPortsNeeded, slimFlyQForRadix, slimFlySize } from '../cost/network.js';

/** Checks a `network = …` variant of a cluster with `endpoints` NIC ports. */
export function checkNetwork(net: { name: string; body: CheckedBody }, endpoints: number, sink: DiagnosticSink): void {
  const radix = num(net.body, 'radix');
  if (radix === undefined) return;
  if (net.name === 'fat_tree') checkFatTreeZones(net.body);
  else if (net.name === 'slim_fly') checkSlimFly(net.body, radix, endpoints, sink);
  else if (net.name === 'dragonfly') checkDragonfly(net.body, radix, endpoints, sink);

  function checkFatTreeZones(b: CheckedBody): void {
    if ((num(b, 'zones') ?? 1) > 1) return;
    for (const field of ['interzone_switches', 'interzone_links']) {
      if (b.fieldSpans.has(field) && (num(b, field) ?? 0) > 0) report(sink, 'interzoneWithoutZones', { field }, spanOf(b, field), { help: 'set `zones` to the number of separate trees, or remove the field' });
    }
  }
}

function checkSlimFly(b: CheckedBody, radix: number, endpoints: number, sink: DiagnosticSink): void {
  const declared = num(b, 'q');
  const q = declared ?? slimFlyQForRadix(radix);
  if (q === null) {
    report(sink, 'topologyNeedsMorePorts', { what: 'the smallest Slim Fly (q = 3)', needed: slimFlyPortsNeeded(3)!, radix }, spanOf(b, 'radix'), { help: 'a Slim Fly needs switches of at least 8 ports' });
    return;
  }
  if (slimFlyDelta(q) === null) {
    report(sink, 'slimFlyNoMms', { q }, spanOf(b, 'q'), { help: `use q = ${q - 1} or q = ${q + 1}` });
    return;
  }
  const ports = slimFlyPortsNeeded(q)!;
  if (ports > radix) {
    const fits = slimFlyQForRadix(radix);
    report(sink, 'topologyNeedsMorePorts', { what: `a Slim Fly with q = ${q}`, needed: ports, radix }, spanOf(b, 'q'), { help: fits === null ? 'use switches with more ports' : `q = ${fits} is the largest that fits ${radix}-port switches; or remove \`q\` to derive it from the radix` });
    return;
  }
  if (declared !== undefined && !isPrimePower(q)) {
    report(sink, 'slimFlyQNotPrimePower', { q }, spanOf(b, 'q'), { help: 'MMS graphs exist for prime powers q = 4w + δ (3, 4, 5, 7, 8, 9, 11, 13, …)' });
  }
  const capacity = slimFlySize(q).endpoints;
  if (endpoints > capacity) report(sink, 'networkTooSmall', { endpoints, capacity }, b.headerSpan, { help: 'use switches with more ports (a larger q)' });
}

function checkDragonfly(b: CheckedBody, radix: number, endpoints: number, sink: DiagnosticSink): void {
  const { switchesPerGroup: a, globalPerSwitch: h, endpointsPerSwitch: p } = dragonflyShape(radix);
  if (p === 0) {
    report(sink, 'topologyNeedsMorePorts', { what: 'a balanced Dragonfly (p = h = 1, a = 2)', needed: 3, radix }, spanOf(b, 'radix'), { help: 'a balanced Dragonfly needs 4p − 1 ports per switch' });
    return;
  }
  const max = dragonflyMaxGroups(a, h);
  const groups = num(b, 'groups') ?? max;
  if (groups > max) {
    report(sink, 'dragonflyTooManyGroups', { groups, max }, spanOf(b, 'groups'), { help: `${radix}-port switches make groups of a = ${a} switches with h = ${h} global ports each; use at most ${max} groups` });
    return;
  }
  const capacity = dragonflySize(a, h, p, groups).endpoints;
  if (endpoints > capacity) report(sink, 'networkTooSmall', { endpoints, capacity }, b.headerSpan, { help: b.fieldSpans.has('groups') ? `add groups (at most ${max})` : 'use switches with more ports' });
}

