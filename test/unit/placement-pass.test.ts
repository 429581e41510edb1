/** The placement pass: from a deployment's `placement { … }` block to its report section. */
import { describe, expect, it } from 'vitest';
import { codes, compileText, SMALL_HARDWARE } from './fixtures.js';

const MODEL = `${SMALL_HARDWARE}
model M {
  vocab = 1000
  hidden = 512
  layers = 3
  attention = gqa { heads = 8  kv_heads = 2 }
  moe {
    routed = 64
    expert = swiglu { intermediate = 256 }
    top_k = 4
    groups = 8 choose 2
  }
}
`;

const serve = (placement: string, ep = 32) => `${MODEL}
serve S {
  model = M
  on = C
  parallel { expert = ${ep} }
  ${placement}
}`;

const placementOf = (r: ReturnType<typeof compileText>) => (r.analysis ? (JSON.parse(JSON.stringify(r.analysis.passResults.get(r.ir!.deployments[0]!)?.find((p) => p.pass.name === 'placement')?.result ?? null)) as any) : undefined);

describe('placement pass', () => {
  it('places synthetic loads for every MoE layer and compares with EPLB', () => {
    const r = compileText(serve('placement { synthetic = lognormal { sigma = 1 }  slots = 96 }'));
    expect(codes(r)).toEqual([]);
    const p = placementOf(r);
    expect(p.placement.layers).toHaveLength(3);
    expect(p.layout).toMatchObject({ slots: 96, groups: 8, nodes: 4, gpus: 32, experts: 64, hierarchical: true });
    expect(p.placement.imbalance).toBeLessThanOrEqual(p.eplb.imbalance);
    expect(p.placement.imbalance).toBeGreaterThanOrEqual(p.placement.bound * (1 - 1e-9));
  });

  it('reads a loads file relative to the .kas file', () => {
    const rows = JSON.stringify(Array.from({ length: 3 }, (_, l) => Array.from({ length: 64 }, (_, e) => ((e * 7 + l) % 13) + 1)));
    const r = compileText(serve('placement { loads = "data/loads.json" }'), '/virtual/main.kas', { '/virtual/data/loads.json': rows });
    expect(codes(r)).toEqual([]);
    expect(placementOf(r).layout.slots).toBe(64);
  });

  it('is skipped without a placement block', () => {
    const r = compileText(serve(''));
    expect(codes(r)).toEqual([]);
    expect(placementOf(r)).toBeNull();
  });

  it('reports bad placement input as diagnostics', () => {
    expect(codes(compileText(serve('placement { slots = 100  synthetic = zipf { } }')))).toEqual(['KAS0551']);
    expect(codes(compileText(serve('placement { slots = 64 }')))).toEqual(['KAS0555']);
    expect(codes(compileText(serve('placement { loads = "nope.json" }')))).toEqual(['KAS0550']);
    const wrong = JSON.stringify([[1, 2, 3]]);
    expect(codes(compileText(serve('placement { loads = "l.json" }'), '/virtual/main.kas', { '/virtual/l.json': wrong }))).toEqual(['KAS0552']);
    const two = JSON.stringify([Array(64).fill(1), Array(64).fill(2)]);
    expect(codes(compileText(serve('placement { loads = "l.json" }'), '/virtual/main.kas', { '/virtual/l.json': two }))).toEqual(['KAS0554']);
  });
});
