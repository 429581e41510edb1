/** The typed hardware IR: GPUs, nodes and clusters, in SI base units (bytes, seconds, FLOP, USD). */
import type { Span } from '../diagnostics/diagnostic.js';
import type { PEAK_DTYPES } from '../semantics/schema.js';

export type PeakDtype = (typeof PEAK_DTYPES)[number];

export interface GpuIR {
  readonly name: string;
  readonly span: Span;
  readonly memoryBytes: number;
  readonly hbmBytesPerSecond: number;
  /** Dense peak FLOP/s per data type; absent where the GPU has no such tensor path. */
  readonly peak: Partial<Record<PeakDtype, number>>;
  readonly sms: number | null;
  readonly commSms: number;
  /** Accumulator of FP8 products: 'fp22' on Hopper (~13 mantissa bits), 'fp32' where exact. */
  readonly fp8Accumulator: 'fp22' | 'fp32';
  /** FP8 products one MMA instruction sums before rounding into the accumulator; null: each product rounds. */
  readonly fp8InstructionK: number | null;
  readonly efficiency: { readonly compute: number | null; readonly fp8: number | null; readonly attention: number | null; readonly memory: number | null };
  readonly priceUSD: number | null;
}

export interface Link {
  readonly bandwidth: number;
  readonly achievable: number | null;
  readonly latency: number | null;
}

export interface NodeIR {
  readonly name: string;
  readonly span: Span;
  readonly gpu: GpuIR;
  readonly gpuCount: number;
  readonly scaleup: ({ readonly kind: 'nvlink'; readonly domain: number } | { readonly kind: 'pcie'; readonly bridge: number | null }) & Link;
  readonly nic: { readonly kind: 'ib' | 'roce' | 'ethernet'; readonly count: number; readonly bandwidth: number; readonly effective: number | null; readonly latency: number | null };
  readonly priceUSD: number | null;
}

export type Network =
  | { readonly kind: 'fat_tree'; readonly radix: number; readonly levels: 2 | 3; readonly planes: number; readonly rails: number; readonly zones: number; readonly interzoneSwitches: number; readonly interzoneLinks: number; readonly switchPrice: number | null; readonly linkPrice: number | null }
  | { readonly kind: 'slim_fly'; readonly radix: number; readonly q: number | null; readonly switchPrice: number | null; readonly linkPrice: number | null }
  | { readonly kind: 'dragonfly'; readonly radix: number; readonly groups: number | null; readonly switchPrice: number | null; readonly linkPrice: number | null };

export interface ClusterIR {
  readonly name: string;
  readonly span: Span;
  readonly node: NodeIR;
  readonly nodeCount: number;
  readonly gpus: number;
  readonly network: Network;
}
