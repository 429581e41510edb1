/**
 * Network sizes and cost (src/cost/network.ts): fat trees, Slim Fly and Dragonfly, and ISCA Table 3
 * reproduced from stdlib/clusters/isca-table3.kas (counts exactly, costs within 3%).
 */
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { compile } from '../../src/passes/index.js';
import {
  dragonflyMaxGroups,
  dragonflyShape,
  dragonflySize,
  fatTreeDiameter,
  isPrimePower,
  networkCostUSD,
  slimFlyDelta,
  slimFlyEndpointsPerSwitch,
  slimFlyNetworkRadix,
  slimFlyPortsNeeded,
  slimFlyQForEndpoints,
  slimFlyQForRadix,
  slimFlySize,
} from '../../src/cost/network.js';
import { codes, compileText, memoryReader, ROOT } from './fixtures.js';

const relErr = (measured: number, published: number) => Math.abs(measured / published - 1);

describe('Slim Fly (MMS)', () => {
  it('δ from q mod 4, none for q ≡ 2', () => {
    expect([3, 4, 5, 6, 7, 8, 28].map(slimFlyDelta)).toEqual([-1, 0, 1, null, -1, 0, 0]);
  });
  it("k' = (3q − δ)/2 and p = ⌈k'/2⌉", () => {
    expect(slimFlyNetworkRadix(5, 1)).toBe(7);
    expect(slimFlyNetworkRadix(7, -1)).toBe(11);
    expect(slimFlyEndpointsPerSwitch(7)).toBe(4);
    expect(slimFlyPortsNeeded(28)).toBe(63);
    expect(slimFlyPortsNeeded(26)).toBeNull();
  });
  it('radix 64 gives q = 28 (63 of 64 ports; q = 29 needs 65)', () => {
    expect(slimFlyQForRadix(64)).toBe(28);
    expect(slimFlyPortsNeeded(29)).toBe(65);
    expect(slimFlyQForRadix(7)).toBeNull();
    expect(slimFlyQForRadix(8)).toBe(3);
  });
  it('q = 28: 1,568 switches, 32,928 endpoints and links, diameter 2', () => {
    expect(slimFlySize(28)).toEqual({ switches: 1568, endpoints: 32_928, links: 32_928, diameter: 2 });
  });
  it('the smallest Slim Fly for a cluster', () => {
    expect(slimFlyQForEndpoints(128, 8)).toBe(5); // q = 4 gives 96, q = 5 gives 200
    expect(slimFlyQForEndpoints(10_000, 8)).toBe(8);
  });
  it('prime powers', () => {
    expect([2, 3, 4, 8, 9, 25, 27, 49].every(isPrimePower)).toBe(true);
    expect([1, 6, 12, 28, 100].some(isPrimePower)).toBe(false);
  });
});

describe('Dragonfly (balanced)', () => {
  it('radix 64: a = 32, h = p = 16; at most a·h + 1 = 513 groups', () => {
    expect(dragonflyShape(64)).toEqual({ switchesPerGroup: 32, globalPerSwitch: 16, endpointsPerSwitch: 16 });
    expect(dragonflyShape(63)).toEqual(dragonflyShape(64));
    expect(dragonflyShape(62).endpointsPerSwitch).toBe(15);
    expect(dragonflyMaxGroups(32, 16)).toBe(513);
  });
  it('511 groups are ISCA Table 3: 16,352 switches, 261,632 endpoints, 384,272 links', () => {
    expect(dragonflySize(32, 16, 16, 511)).toEqual({ switches: 16_352, endpoints: 261_632, links: 384_272, diameter: 3 });
  });
  it('513 groups, the largest: 16,416 switches, 262,656 endpoints, 385,776 links', () => {
    expect(dragonflySize(32, 16, 16, 513)).toEqual({ switches: 16_416, endpoints: 262_656, links: 385_776, diameter: 3 });
  });
  it('one group has no global links and diameter 1', () => {
    expect(dragonflySize(8, 4, 4, 1)).toEqual({ switches: 8, endpoints: 32, links: 28, diameter: 1 });
  });
});

describe('fat-tree diameter and cost', () => {
  it('2 hops for two levels, 4 for three; zones joined by switches add 2; unjoined zones have none', () => {
    expect(fatTreeDiameter(2, 1, 0)).toBe(2);
    expect(fatTreeDiameter(3, 1, 0)).toBe(4);
    expect(fatTreeDiameter(2, 2, 2)).toBe(4);
    expect(fatTreeDiameter(2, 2, 0)).toBeNull();
  });
  it('cost is switches × switch price + links × link price, null without prices', () => {
    expect(networkCostUSD(96, 2048, 83_000, 504)).toBe(96 * 83_000 + 2048 * 504);
    expect(networkCostUSD(96, 2048, null, 504)).toBeNull();
  });
});

describe('ISCA Table 3 (stdlib/clusters/isca-table3.kas)', () => {
  const r = compile(path.join(ROOT, 'stdlib/clusters/isca-table3.kas'), memoryReader({}), ROOT);
  const table = {
    IscaFT2: { topology: 'ft2', endpoints: 2048, switches: 96, links: 2048, costM: 9, perEndpointK: 4.39 },
    IscaMPFT: { topology: 'mpft', endpoints: 16_384, switches: 768, links: 16_384, costM: 72, perEndpointK: 4.39 },
    IscaFT3: { topology: 'ft3', endpoints: 65_536, switches: 5120, links: 131_072, costM: 491, perEndpointK: 7.5 },
    IscaSF: { topology: 'sf', endpoints: 32_928, switches: 1568, links: 32_928, costM: 146, perEndpointK: 4.4 },
    IscaDF: { topology: 'df', endpoints: 261_632, switches: 16_352, links: 384_272, costM: 1522, perEndpointK: 5.8 },
  };
  it('compiles without diagnostics (q = 28 is derived, so no prime-power warning)', () => {
    expect(codes(r)).toEqual([]);
  });
  for (const [name, row] of Object.entries(table)) {
    it(`${name}: counts exactly, cost and cost per endpoint within 3%`, () => {
      const n = r.analysis!.clusters.find((c) => c.cluster.name === name)!.network!;
      expect(n.topology).toBe(row.topology);
      expect(n.capacity).toMatchObject({ endpoints: row.endpoints, switches: row.switches, links: row.links });
      expect(relErr(n.capacity.costUSD!, row.costM * 1e6)).toBeLessThan(0.03);
      expect(relErr(n.capacity.costPerEndpointUSD!, row.perEndpointK * 1e3)).toBeLessThan(0.03);
      // every cluster there is built to capacity
      expect(n.deployed).toEqual(n.capacity);
    });
  }
  it('diameters: FT2/MPFT 2, FT3 4, SF 2, DF 3', () => {
    const d = (name: string) => r.analysis!.clusters.find((c) => c.cluster.name === name)!.network!.capacity.diameter;
    expect(['IscaFT2', 'IscaMPFT', 'IscaFT3', 'IscaSF', 'IscaDF'].map(d)).toEqual([2, 2, 4, 2, 3]);
  });
  it('the Slim Fly shape says that q = 28 is not a prime power', () => {
    const n = r.analysis!.clusters.find((c) => c.cluster.name === 'IscaSF')!.network!;
    expect(n.shape).toMatchObject({ kind: 'slim_fly', q: 28, delta: 0, networkRadix: 42, endpointsPerSwitch: 21, qIsPrimePower: false, qFrom: 'radix' });
  });
});

describe('checks', () => {
  const box = `
gpu G { memory = 80 GB  bandwidth = 3 TB/s  peak { bf16 = 900 TFLOP/s } }
node N { gpus = 8 x G  scaleup = nvlink { bandwidth = 200 GB/s }  nics = 8 x ib { bandwidth = 400 Gb/s } }
`;
  const net = (nodes: number, network: string) => compileText(`${box}\ncluster C {\n  nodes = ${nodes} x N\n  network = ${network}\n}\n`);
  it('KAS0570: q ≡ 2 (mod 4)', () => expect(codes(net(1, 'slim_fly { radix = 64  q = 26 }'))).toEqual(['KAS0570']));
  it('KAS0571: q too large for the radix', () => expect(codes(net(1, 'slim_fly { radix = 32  q = 25 }'))).toEqual(['KAS0571']));
  it('KAS0571: a radix too small for any Slim Fly or Dragonfly', () => {
    expect(codes(net(1, 'slim_fly { radix = 7 }'))).toEqual(['KAS0571']);
    expect(codes(net(1, 'dragonfly { radix = 2 }'))).toEqual(['KAS0571']);
  });
  it('KAS0572: a declared q that is not a prime power warns', () => expect(codes(net(1, 'slim_fly { radix = 64  q = 28 }'))).toEqual(['KAS0572']));
  it('KAS0573: more groups than a·h + 1', () => expect(codes(net(1, 'dragonfly { radix = 16  groups = 34 }'))).toEqual(['KAS0573']));
  it('KAS0413: a Slim Fly or Dragonfly too small for the NICs', () => {
    expect(codes(net(100, 'slim_fly { radix = 18 }'))).toEqual(['KAS0413']); // 800 NICs > 768
    expect(codes(net(10, 'dragonfly { radix = 16  groups = 2 }'))).toEqual(['KAS0413']); // 80 > 64
    expect(codes(net(96, 'slim_fly { radix = 18 }'))).toEqual([]);
  });
  it('KAS0574: inter-zone switches with one zone', () => expect(codes(net(1, 'fat_tree { radix = 64  interzone_switches = 2 }'))).toEqual(['KAS0574']));
  it('inter-zone switches and links are counted and priced once', () => {
    const r = net(3, 'fat_tree { radix = 8  zones = 2  interzone_switches = 1  interzone_links = 8  switch_price = 1 k$  link_price = 10 $ }');
    expect(codes(r)).toEqual([]);
    const n = r.analysis!.clusters[0]!.network!;
    expect(n.capacity).toEqual({ endpoints: 64, switches: 25, links: 72, costUSD: 25_000 + 720, costPerEndpointUSD: 25_720 / 64, diameter: 4 });
    expect(n.deployed).toMatchObject({ endpoints: 24, switches: 11, links: 32 });
  });
});
