import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/passes/index.js';
import { compileText, codes, memoryReader, ROOT, SMALL_HARDWARE } from './fixtures.js';
import {
  allToAllSeconds,
  busiestStageShare,
  expectedNodesPerToken,
  expectedRemoteNodes,
  hfReduceSeconds,
  modelFlopsUtilization,
  pipelineSeconds,
  ringAllReduceSeconds,
} from '../../src/cost/train-step.js';
import { microBatchesInFlight } from '../../src/cost/train-memory.js';
import type { TrainResult } from '../../src/passes/train.js';

function trainOf(file: string, name: string): TrainResult {
  const r = compile(path.join(ROOT, file), memoryReader({}), ROOT);
  expect(r.diagnostics.errorCount).toBe(0);
  const d = r.analysis!.deployments.find((x) => x.name === name)!;
  return r.analysis!.passResults.get(d)!.find((p) => p.pass.name === 'train')!.result as TrainResult;
}

describe('step-time formulas', () => {
  it('pipeline bubbles follow V3TR Table 2', () => {
    const c = { f: 1, b: 2, w: 1 };
    expect(pipelineSeconds('1f1b', 8, 4, 1, c, 0)).toEqual({ busy: 32, bubble: 12 });
    expect(pipelineSeconds('interleaved', 8, 4, 2, c, 0).bubble).toBe(6);
    // DualPipe: (PP/2 − 1)(F&B + B − 3W) with F&B = 3: (4 − 1)(3 + 2 − 3) = 6.
    expect(pipelineSeconds('dualpipe', 8, 8, 1, c, 3)).toEqual({ busy: 8 * 4, bubble: 6 });
  });
  it('expected nodes per token under uniform routing', () => {
    // All 8 experts within 4 nodes of 32: 4 · (1 − C(96, 8) / C(128, 8)).
    let ratio = 1;
    for (let i = 0; i < 8; i++) ratio *= (96 - i) / (128 - i);
    expect(expectedNodesPerToken(4, 32, 8)).toBeCloseTo(4 * (1 - ratio), 12);
    expect(expectedRemoteNodes(4, 8)).toBe(3.5);
    expect(expectedNodesPerToken(1, 16, 4)).toBe(1);
  });
  it('all-to-all takes the slower of the two hops', () => {
    const a = allToAllSeconds({ tokens: 1000, moeLayers: 2, hidden: 1000, bytesPerElement: 3, remoteNodes: 2, ibBytesPerSecond: 40e9, forwardedCopies: 4, scaleupBytesPerSecond: 160e9 });
    expect(a.ib).toBeCloseTo((1000 * 2 * 1000 * 3 * 2) / 40e9, 15);
    expect(a.scaleup).toBeCloseTo((1000 * 2 * 1000 * 3 * 4) / 160e9, 15);
    expect(a.seconds).toBe(a.ib);
  });
  it('ring all-reduce and HFReduce', () => {
    expect(ringAllReduceSeconds(8e9, 8, 40e9)).toBeCloseTo((2 * 7 * 8e9) / (8 * 40e9), 12);
    expect(ringAllReduceSeconds(8e9, 1, 40e9)).toBe(0);
    expect(hfReduceSeconds(1e9, 4, 32e9, 25e9)).toBeCloseTo(Math.max(1 / 32, (2 * 3) / (4 * 25)), 12);
  });
  it('stage share, micro-batches in flight, MFU', () => {
    expect(busiestStageShare(62, 16)).toBeCloseTo(4 / 62, 12);
    expect(microBatchesInFlight('dualpipe', 16, 120)).toBe(17);
    expect(microBatchesInFlight('1f1b', 16, 8)).toBe(8);
    expect(modelFlopsUtilization(250e9, 62914560, 19.926, 2048, 989e12)).toBeCloseTo(0.3894, 3);
  });
});

describe('training model on the examples', () => {
  it('DeepSeek-V3 fits in 80 GB and lands within 10% of ISCA Table 4', () => {
    const t = trainOf('examples/deepseek-v3-train.kas', 'V3Pretrain');
    expect(t.memory.fits).toBe(true);
    expect(t.reference?.stepSeconds).toBe(19.926);
    expect(Math.abs(t.reference!.error.stepSeconds!)).toBeLessThan(0.1);
    expect(Math.abs(t.reference!.error.mfu!)).toBeLessThan(0.1);
    expect(Math.abs(t.reference!.error.tokensPerDay!)).toBeLessThan(0.1);
    expect(t.step.overlapped).toBe(true);
    expect(t.step.comm.remoteNodesPerToken).toBeGreaterThan(0);
  });
  it('Fire-Flyer DeepSeekMoE-16B: 640 GPUs within 10%, HFReduce on PCIe nodes', () => {
    const t640 = trainOf('examples/fire-flyer-train.kas', 'DeepSeekMoE16BOnFF');
    expect(Math.abs(t640.reference!.error.stepSeconds!)).toBeLessThan(0.1);
    expect(t640.step.dataParallelSync.method).toBe('hfreduce');
    expect(t640.step.dataParallelSync.seconds).toBeLessThan(t640.step.dataParallelSync.ringSeconds);
    const t40 = trainOf('examples/fire-flyer-train.kas', 'DeepSeekMoE16BOnFF40');
    expect(t40.step.seconds / t640.step.seconds).toBeGreaterThan(10);
  });
});

describe('training diagnostics', () => {
  const MODEL = `
model M {
  vocab = 1000
  hidden = 512
  layers = 8
  attention = gqa { heads = 8  kv_heads = 2 }
  ffn = swiglu { intermediate = 1024 }
}`;
  it('assumes peak when a GPU declares no efficiency, and warns when micro-batches are fewer than stages', () => {
    const r = compileText(`${SMALL_HARDWARE}${MODEL}\ntrain T { model = M  on = C  sequence = 512  batch = 16  parallel { pipeline = 4 } }`);
    expect(codes(r)).toEqual(['KAS0502']);
    const d = r.analysis!.deployments[0]!;
    const t = r.analysis!.passResults.get(d)!.find((p) => p.pass.name === 'train')!.result as TrainResult;
    expect(t.step.efficiency).toMatchObject({ compute: 1, fp8: 1, attention: 1, memory: 1, declared: false });
  });
  it('warns about DualPipe with an odd number of stages', () => {
    const hw = SMALL_HARDWARE.replace('nodes = 4 x N', 'nodes = 3 x N');
    const r = compileText(`${hw}${MODEL}\ntrain T { model = M  on = C  sequence = 512  batch = 64  parallel { pipeline = 3  schedule = dualpipe } }`);
    expect(codes(r)).toContain('KAS0503');
  });
  it('a memory overflow is an error that names the largest part', () => {
    const hw = SMALL_HARDWARE.replace('memory = 80 GB', 'memory = 1 GB');
    const r = compileText(`${hw}${MODEL}\ntrain T { model = M  on = C  sequence = 65536  batch = 32 }`);
    const d = r.diagnostics.items.find((x) => x.code === 'KAS0500');
    expect(d?.severity).toBe('error');
    expect(d?.help).toMatch(/activations dominate/);
  });
  it('recomputation lowers activation memory: none > selective > full', () => {
    const mem = (rc: string) => {
      const r = compileText(`${SMALL_HARDWARE}${MODEL}\ntrain T { model = M  on = C  sequence = 2048  batch = 32  recompute = ${rc} }`);
      const d = r.analysis!.deployments[0]!;
      return (r.analysis!.passResults.get(d)!.find((p) => p.pass.name === 'train')!.result as TrainResult).memory.activations;
    };
    expect(mem('none')).toBeGreaterThan(mem('selective'));
    expect(mem('selective')).toBeGreaterThan(mem('full'));
  });
});
