/**
 * A roofline of a deployment's main kernels on its GPU (src/cost/roofline.ts): the roof for each
 * tensor-core data type the GPU declares, and the kernels placed at their arithmetic intensity.
 */
import { isTrain, trainPrecision, type ClusterJson, type DeploymentJson, type ModelJson } from '../data.js';
import { decodeAttentionIntensity, gemmIntensity, prefillAttentionIntensity, ridgePoint, rooflineAttainable } from '../../../cost/roofline.js';
import { DTYPE_BYTES } from '../../../semantics/schema.js';
import { CHART_WIDTH, chartId, withTheme, type Chart } from './chart.js';

export interface Kernel {
  readonly name: string;
  /** FLOP per byte of HBM traffic. */
  readonly intensity: number;
  /** The tensor-core data type it runs in, a key of the GPU's peaks. */
  readonly dtype: string;
}

const bytesOf = (dtype: string): number => DTYPE_BYTES[dtype as keyof typeof DTYPE_BYTES] ?? 2;

/** The kernels that dominate a step (training, prefill) or a decode iteration, with their intensity. */
export function mainKernels(d: DeploymentJson, m: ModelJson, peaks: Record<string, number>): Kernel[] {
  const arch = m.architecture;
  const a = arch.attention;
  const heads = a.heads;
  const vWidth = a.kind === 'mla' ? a.vDim : a.headDim;
  const gemmDtype = (wanted: string) => (peaks[wanted] !== undefined ? wanted : 'bf16');
  const moe = arch.moe;
  const ep = d.parallel.expert;
  const out: Kernel[] = [];

  const linear = (tokens: number, dtype: string) => {
    const e = bytesOf(dtype);
    const bytes = { a: e, b: e, c: 2 };
    out.push({ name: 'attention output projection', intensity: gemmIntensity(tokens, arch.hidden, heads * vWidth, bytes), dtype });
    if (moe) {
      const perExpert = Math.max(1, (tokens * ep * moe.topK) / moe.routed);
      out.push({ name: `routed expert up/gate (${fmtTokens(perExpert)} tokens)`, intensity: gemmIntensity(perExpert, 2 * moe.expertIntermediate, arch.hidden, bytes), dtype });
    }
    out.push({ name: 'output head', intensity: gemmIntensity(tokens, arch.vocab, arch.hidden, { a: 2, b: 2, c: 2 }), dtype: 'bf16' });
  };
  const prefill = (seq: number, tokens: number, dtype: string) => {
    linear(tokens, dtype);
    const qk = a.kind === 'mla' ? a.qkNopeDim + a.qkRopeDim : a.headDim;
    const kvHeads = a.kind === 'mla' ? a.heads : a.kvHeads;
    out.push({ name: `causal attention (${fmtTokens(seq)} tokens)`, intensity: prefillAttentionIntensity(seq, heads, kvHeads, qk, vWidth, 2), dtype: 'bf16' });
  };

  if (isTrain(d)) {
    const dtype = gemmDtype(trainPrecision(d) === 'fp8' ? 'fp8' : 'bf16');
    prefill(d.sequence, d.sequence * d.parallel.microBatch, dtype);
  } else if (d.phase === 'prefill') {
    const seq = d.context ?? m.flops.sequence;
    prefill(seq, d.tokensPerDevice ?? seq, gemmDtype(d.dtypes.weights));
  } else {
    linear(d.tokensPerDevice ?? 1, gemmDtype(d.dtypes.weights));
    const kvBytes = m.kvCache.elementsPerTokenPerLayer * bytesOf(d.dtypes.kvCache);
    const intensity =
      a.kind === 'mla'
        ? decodeAttentionIntensity(heads, a.kvLoraRank + a.qkRopeDim, a.kvLoraRank, kvBytes)
        : decodeAttentionIntensity(heads, a.headDim, a.headDim, kvBytes);
    out.push({ name: a.kind === 'mla' ? 'MLA decode attention (absorbed)' : 'decode attention', intensity, dtype: 'bf16' });
  }
  return out;
}

export function rooflineChart(name: string, d: DeploymentJson, m: ModelJson, c: ClusterJson): Chart | undefined {
  const gpu = c.gpuSpec;
  const bw = gpu.hbmBytesPerSecond;
  const peaks = Object.fromEntries(Object.entries(gpu.peakFlopsPerSecond).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0));
  const roofs = ['fp8', 'bf16', 'fp16', 'fp32'].filter((k) => peaks[k] !== undefined && !(k === 'fp16' && peaks['bf16'] === peaks['fp16']));
  if (!(bw > 0) || roofs.length === 0) return undefined;
  const kernels = mainKernels(d, m, peaks).filter((k) => peaks[k.dtype] !== undefined && k.intensity > 0);
  if (kernels.length === 0) return undefined;

  // Roofs for the data types the kernels run in; a roof no kernel uses would only add lines.
  const drawn = roofs.filter((r) => kernels.some((k) => k.dtype === r));
  const ridges = drawn.map((r) => ridgePoint(peaks[r]!, bw));
  const xs = [...kernels.map((k) => k.intensity), ...ridges];
  const xMin = 10 ** Math.floor(Math.log10(Math.min(...xs) / 2));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...xs) * 2));
  const roofLine = drawn.flatMap((r, i) =>
    [xMin, ridges[i]!, xMax].map((x, order) => ({ roof: r, order, intensity: x, tflops: rooflineAttainable(peaks[r]!, bw, x) / 1e12 })),
  );
  const roofLabels = drawn.map((r) => ({ intensity: xMax, tflops: peaks[r]! / 1e12, label: `${r} peak ${Math.round(peaks[r]! / 1e12)} TFLOP/s` }));
  const points = kernels.map((k) => ({ kernel: `${k.name}, ${k.dtype}`, intensity: k.intensity, tflops: rooflineAttainable(peaks[k.dtype]!, bw, k.intensity) / 1e12 }));
  const x = { field: 'intensity', type: 'quantitative' as const, scale: { type: 'log' as const, domain: [xMin, xMax] }, title: 'arithmetic intensity (FLOP/byte)', axis: { values: logTicks(xMin, xMax) } };
  const yMin = Math.min(...roofLine.map((p) => p.tflops), ...points.map((p) => p.tflops));
  const yLow = 10 ** Math.floor(Math.log10(yMin));
  const yMax = (Math.max(...drawn.map((r) => peaks[r]!)) / 1e12) * 1.6;
  const y = { field: 'tflops', type: 'quantitative' as const, scale: { type: 'log' as const, domain: [yLow, yMax], nice: false }, title: 'attainable TFLOP/s', axis: { values: logTicks(yLow, yMax) } };
  return {
    id: chartId('roofline', name),
    title: `Roofline on one ${c.gpu}`,
    caption: `${fmtBandwidth(bw)} HBM, ridge at ${ridges.map((v, i) => `${Math.round(v)} FLOP/byte (${drawn[i]})`).join(' and ')}. Each kernel's intensity counts every operand crossing HBM once (src/cost/roofline.ts); left of the ridge it is memory-bound.`,
    spec: withTheme({
      width: CHART_WIDTH,
      height: 240,
      layer: [
        {
          data: { values: roofLine },
          mark: { type: 'line', strokeWidth: 2, color: '#666' },
          encoding: { x, y, detail: { field: 'roof' }, order: { field: 'order' }, strokeDash: { field: 'roof', legend: null, sort: drawn } },
        },
        {
          data: { values: roofLabels },
          mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, fontSize: 10, color: '#555' },
          encoding: { x, y, text: { field: 'label' } },
        },
        {
          data: { values: points },
          mark: { type: 'point', filled: true, size: 90, opacity: 0.9 },
          encoding: {
            x,
            y,
            color: { field: 'kernel', type: 'nominal', title: null, sort: null, legend: { columns: 1, orient: 'bottom', labelLimit: 400 } },
            shape: { field: 'kernel', type: 'nominal', sort: null },
          },
        },
      ],
    }),
  };
}

/** 1, 2, 5 × 10ⁿ between lo and hi: readable ticks on a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

function fmtTokens(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(n % 1000 === 0 ? 0 : 1)}K` : String(Math.round(n));
}

function fmtBandwidth(b: number): string {
  return b >= 1e12 ? `${(b / 1e12).toFixed(2)} TB/s` : `${(b / 1e9).toFixed(0)} GB/s`;
}
