/** One test (at least) per consistency rule of src/semantics/check.ts, each with a passing neighbour. */
import { describe, expect, test } from 'vitest';
import { compileText, codes, SMALL_HARDWARE } from './fixtures.js';
import { selectedLayers } from '../../src/semantics/check.js';
import { fatTreeCapacity as fatTreeEndpoints } from '../../src/cost/network.js';
import type { CheckedBody } from '../../src/semantics/evaluate.js';

const BASE = 'vocab = 100\n  hidden = 64\n  layers = 4';
const model = (fields: string) => `model M {\n  ${fields}\n}\n`;
const dense = (attention: string) => model(`${BASE}\n  attention = ${attention}\n  ffn = swiglu { intermediate = 32 }`);
const moe = (moeFields: string, selector = '') =>
  model(`${BASE}\n  attention = mha { heads = 4 }\n  ffn = swiglu { intermediate = 32 }\n  moe ${selector} {\n    expert = swiglu { intermediate = 8 }\n    ${moeFields}\n  }`);

/** Codes of a source, and the source text under the first diagnostic. */
function run(text: string): { codes: string[]; at: string | undefined; help: string | undefined; message: string | undefined } {
  const r = compileText(text);
  const d = r.diagnostics.items[0];
  return { codes: codes(r), at: d?.span && text.slice(d.span.start, d.span.end), help: d?.help, message: d?.message };
}

describe('attention', () => {
  test('KAS0416: hidden not a multiple of heads and no head_dim', () => {
    const r = run(dense('mha { heads = 5 }'));
    expect(r.codes).toEqual(['KAS0416']);
    expect(r.message).toBe('hidden size 64 is not a multiple of 5 heads, so `head_dim` cannot be derived');
    expect(run(dense('mha { heads = 5  head_dim = 16 }')).codes).toEqual([]);
    expect(run(dense('mha { heads = 8 }')).codes).toEqual([]);
  });

  test('KAS0405: kv heads that do not divide the query heads, at `kv_heads`', () => {
    const r = run(dense('gqa { heads = 8  kv_heads = 3 }'));
    expect(r.codes).toEqual(['KAS0405']);
    expect(r.at).toBe('kv_heads = 3');
    expect(run(dense('gqa { heads = 8  kv_heads = 2 }')).codes).toEqual([]);
  });

  test('KAS0306: more kv heads than query heads', () => {
    const r = run(dense('gqa { heads = 4  kv_heads = 8 }'));
    expect(r.codes).toEqual(['KAS0306']);
    expect(r.at).toBe('kv_heads = 8');
  });
});

describe('moe', () => {
  test('KAS0401: top_k above the routed experts', () => {
    const r = run(moe('routed = 4\n top_k = 5'));
    expect(r.codes).toEqual(['KAS0401']);
    expect(r.message).toBe('top_k is 5, but there are only 4 routed experts');
    expect(r.at).toBe('top_k = 5');
    expect(run(moe('routed = 4\n top_k = 4')).codes).toEqual([]);
  });

  test('KAS0402: groups that do not divide the routed experts, with divisors near', () => {
    const r = run(moe('routed = 12\n top_k = 2\n groups = 5 choose 2'));
    expect(r.codes).toEqual(['KAS0402']);
    // the three divisors of 12 nearest 5, in order
    expect(r.help).toBe('experts are split into equal groups: try `3`, `4`, `6`');
    expect(run(moe('routed = 12\n top_k = 2\n groups = 4 choose 2')).codes).toEqual([]);
  });

  test('KAS0403: choosing more groups than exist', () => {
    expect(run(moe('routed = 8\n top_k = 2\n groups = 4 choose 5')).codes).toEqual(['KAS0403']);
  });

  test('KAS0406: the chosen groups hold fewer than top_k experts', () => {
    // 16 experts in 8 groups of 2; choosing 2 groups reaches 4 experts
    const r = run(moe('routed = 16\n top_k = 5\n groups = 8 choose 2'));
    expect(r.codes).toEqual(['KAS0406']);
    expect(r.message).toBe('top_k is 5, but the chosen groups hold only 4 experts');
    expect(run(moe('routed = 16\n top_k = 4\n groups = 8 choose 2')).codes).toEqual([]);
  });

  test('KAS0404: a layer range outside the model', () => {
    const r = run(moe('routed = 4\n top_k = 2', 'layers[2..9]'));
    expect(r.codes).toEqual(['KAS0404']);
    expect(r.at).toBe('2..9');
    expect(run(moe('routed = 4\n top_k = 2', 'layers[4..]')).codes).toEqual(['KAS0404']);
    expect(run(moe('routed = 4\n top_k = 2', 'layers[2..4]')).codes).toEqual([]);
  });

  test('KAS0407: a layer range that selects nothing', () => {
    expect(run(moe('routed = 4\n top_k = 2', 'layers[3..2]')).codes).toEqual(['KAS0407']);
    expect(run(moe('routed = 4\n top_k = 2', 'layers[2..2]')).codes).toEqual(['KAS0407']);
  });

  test('selectedLayers is half-open and honours the step', () => {
    const sel = (start?: number, end?: number, step?: number) =>
      selectedLayers({ selector: { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}), ...(step !== undefined ? { step } : {}), span: { file: 'f', start: 0, end: 0 } } } as unknown as CheckedBody, 10);
    expect(sel(3)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(sel(0, 4)).toEqual([0, 1, 2, 3]);
    expect(sel(1, undefined, 3)).toEqual([1, 4, 7]);
    expect(sel(undefined, 20)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(selectedLayers({} as CheckedBody, 3)).toEqual([0, 1, 2]);
  });

  test('KAS0417: dense layers without an ffn, counted', () => {
    const noFfn = (sel: string) => model(`${BASE}\n  attention = mha { heads = 4 }\n  moe ${sel} { routed = 4  top_k = 2  expert = swiglu { intermediate = 8 } }`);
    const r = run(noFfn('layers[1..]'));
    expect(r.codes).toEqual(['KAS0417']);
    expect(r.message).toBe('1 layer is dense, but the model declares no `ffn`');
    expect(run(noFfn('layers[2..]')).message).toBe('2 layers are dense, but the model declares no `ffn`');
    expect(run(noFfn('')).codes).toEqual([]);
    expect(run(model(`${BASE}\n  attention = mha { heads = 4 }`)).codes).toEqual(['KAS0417']);
  });
});

describe('hardware', () => {
  test('KAS0418: a gpu with no peak', () => {
    const r = run('gpu G { memory = 1 GB  bandwidth = 1 GB/s }');
    expect(r.codes).toEqual(['KAS0418']);
    expect(r.at).toBe('G');
    expect(run('gpu G { memory = 1 GB  bandwidth = 1 GB/s  peak { } }').codes).toEqual(['KAS0418']);
  });

  test('a peak written with the wrong unit is one error, not also KAS0418', () => {
    expect(run('gpu G { memory = 1 GB  bandwidth = 1 GB/s  peak { bf16 = 1 TFLOP } }').codes).toEqual(['KAS0304']);
  });

  test('KAS0408: achievable above the peak bandwidth, for NVLink and for NICs', () => {
    const node = (scaleup: string, nic: string) =>
      `gpu G { memory = 1 GB  bandwidth = 1 GB/s  peak { bf16 = 1 TFLOP/s } }\nnode N { gpus = 8 x G  scaleup = nvlink { ${scaleup} }  nics = 8 x ib { ${nic} } }`;
    const up = run(node('bandwidth = 160 GB/s  achievable = 200 GB/s', 'bandwidth = 400 Gb/s'));
    expect(up.codes).toEqual(['KAS0408']);
    expect(up.at).toBe('achievable = 200 GB/s');
    expect(run(node('bandwidth = 160 GB/s', 'bandwidth = 400 Gb/s  effective = 60 GB/s')).codes).toEqual(['KAS0408']);
    expect(run(node('bandwidth = 160 GB/s  achievable = 150 GB/s', 'bandwidth = 400 Gb/s  effective = 40 GB/s')).codes).toEqual([]);
  });

  test('KAS0413: a fat tree too small for every NIC', () => {
    const cluster = (nodes: number, network: string) => SMALL_HARDWARE.replace('nodes = 4 x N', `nodes = ${nodes} x N`).replace('fat_tree { radix = 64 }', network);
    // 2 levels, k = 64: 2048 endpoints = 256 nodes × 8 NICs
    expect(run(cluster(256, 'fat_tree { radix = 64 }')).codes).toEqual([]);
    const r = run(cluster(257, 'fat_tree { radix = 64 }'));
    expect(r.codes).toEqual(['KAS0413']);
    expect(r.message).toBe('the network connects at most 2048 endpoints, but the cluster has 2056');
    expect(r.help).toContain('levels = 3');
    expect(run(cluster(257, 'fat_tree { radix = 64  levels = 3 }')).codes).toEqual([]);
    expect(run(cluster(512, 'fat_tree { radix = 64  planes = 2 }')).codes).toEqual([]);
    expect(run(cluster(512, 'fat_tree { radix = 64  zones = 2 }')).codes).toEqual([]);
    expect(run(cluster(513, 'fat_tree { radix = 64  zones = 2 }')).codes).toEqual(['KAS0413']);
  });

  test('KAS0410: planes that do not divide the NICs of a node', () => {
    const r = run(SMALL_HARDWARE.replace('fat_tree { radix = 64 }', 'fat_tree { radix = 64  planes = 3 }'));
    expect(r.codes).toEqual(['KAS0410']);
    expect(r.at).toBe('planes = 3');
  });

  test('fatTreeEndpoints: k²/2 and k³/4', () => {
    expect(fatTreeEndpoints(64, 2)).toBe(2048);
    expect(fatTreeEndpoints(64, 3)).toBe(65536);
  });
});

describe('deployments', () => {
  // SMALL_HARDWARE: 4 nodes × 8 GPUs = 32 GPUs
  const withMoe = model(`${BASE}\n  attention = mha { heads = 4 }\n  ffn = swiglu { intermediate = 32 }\n  moe layers[1..] { routed = 16  top_k = 2  expert = swiglu { intermediate = 8 } }`);
  const denseModel = dense('mha { heads = 4 }');
  const train = (m: string, parallel: string, extra = '') => `${SMALL_HARDWARE}\n${m}\ntrain T {\n  model = M\n  on = C\n  sequence = 128\n  batch = 64\n  parallel { ${parallel} }\n  ${extra}\n}`;

  test('a layout that fits is accepted', () => {
    expect(run(train(withMoe, 'pipeline = 2  tensor = 2  expert = 8')).codes).toEqual([]);
    expect(run(train(withMoe, 'data = 16  pipeline = 2')).codes).toEqual([]);
  });

  test('KAS0409: an explicit layout that needs more GPUs than the cluster has', () => {
    const r = run(train(denseModel, 'pipeline = 4  tensor = 2  data = 8'));
    expect(r.codes).toEqual(['KAS0409']);
    expect(r.message).toBe('the parallel layout needs 64 GPUs, but the cluster has 32');
    expect(r.at).toBe('data = 8');
  });

  test('KAS0410: pipeline × tensor that does not divide the GPUs (data = auto)', () => {
    const r = run(train(denseModel, 'pipeline = 3'));
    expect(r.codes).toEqual(['KAS0410']);
    expect(r.at).toBe('pipeline = 3');
  });

  test('KAS0410: expert parallelism that does not divide data × tensor, or the routed experts', () => {
    // data = 32 / 2 = 16; EP 32 does not divide 16
    expect(run(train(withMoe, 'pipeline = 2  expert = 32')).codes).toContain('KAS0410');
    // routed = 16; EP 32 does not divide 16
    const r = run(train(withMoe, 'expert = 32'));
    expect(r.codes).toEqual(['KAS0410']);
    expect(r.message).toBe('expert parallelism 32 does not divide 16');
  });

  test('KAS0306: expert parallelism on a model without MoE', () => {
    const r = run(train(denseModel, 'expert = 2'));
    expect(r.codes).toEqual(['KAS0306']);
    expect(r.at).toBe('expert = 2');
  });

  test('KAS0410: a batch that does not split over data × micro_batch', () => {
    // 32 data-parallel replicas × micro-batch 4 = 128 does not divide 64
    const r = run(train(denseModel, 'micro_batch = 4'));
    expect(r.codes).toEqual(['KAS0410']);
    expect(r.at).toBe('batch = 64');
    expect(run(train(denseModel, 'micro_batch = 2')).codes).toEqual([]);
  });

  test('KAS0411: max_nodes beyond the nodes expert parallelism spans', () => {
    // EP 16 over 8-GPU nodes spans 2 nodes
    const r = run(train(withMoe, 'expert = 16', 'routing { max_nodes = 3 }'));
    expect(r.codes).toEqual(['KAS0411']);
    expect(r.message).toBe('max_nodes is 3, but expert parallelism spans only 2 nodes');
    expect(run(train(withMoe, 'expert = 16', 'routing { max_nodes = 2 }')).codes).toEqual([]);
  });

  test('KAS0414: FP8 on a GPU without FP8 peak is a warning, and the program still compiles', () => {
    const noFp8 = train(denseModel, '', 'precision = fp8').replace('  fp8 = 1979 TFLOP/s', '');
    const r = compileText(noFp8);
    expect(codes(r)).toEqual(['KAS0414']);
    expect(r.diagnostics.items[0]!.severity).toBe('warning');
    expect(r.diagnostics.hasErrors).toBe(false);
    expect(r.analysis).toBeDefined();
    expect(run(train(denseModel, '', 'precision = fp8')).codes).toEqual([]);
  });

  test('serving deployments are checked the same way', () => {
    const serve = `${SMALL_HARDWARE}\n${withMoe}\nserve S { model = M  on = C  parallel { expert = 5 } }`;
    expect(run(serve).codes).toContain('KAS0410');
  });
});

describe('inputs that once hung the compiler', () => {
  test('`layers` has an upper bound (KAS0306), so the per-layer cost model stays bounded', { timeout: 20_000 }, () => {
    const r = run(model('vocab = 10\n  hidden = 8\n  layers = 1e9\n  attention = mha { heads = 2 }\n  moe { routed = 4  top_k = 2  expert = swiglu { intermediate = 2 } }'));
    expect(r.codes).toEqual(['KAS0306']);
    expect(r.message).toBe('`layers` is 1000000000, but it must be at most 100000');
    expect(r.at).toBe('layers = 1e9');
  });

  test('the largest allowed model with MoE on every layer compiles in linear time', { timeout: 20_000 }, () => {
    const r = compileText(model('vocab = 10\n  hidden = 8\n  layers = 100000\n  attention = mha { heads = 2 }\n  moe { routed = 4  top_k = 2  expert = swiglu { intermediate = 2 } }'));
    expect(codes(r)).toEqual([]);
    expect(r.analysis!.models[0]!.params.moeLayers).toBe(100_000);
  });

  test('a huge `routed` that groups do not divide still gets divisor hints at once', { timeout: 20_000 }, () => {
    const r = run(moe('routed = 1e15\n top_k = 2\n groups = 7 choose 2'));
    expect(r.codes).toEqual(['KAS0402']);
    expect(r.help).toBe('experts are split into equal groups: try `4`, `5`, `8`');
  });
});
