/**
 * A .safetensors reader (the Hugging Face format: an 8-byte little-endian header length, a JSON header
 * of name → { dtype, shape, data_offsets }, then the raw little-endian data) into f32 tensors. Like
 * runtime.ts it runs in a browser or Node and imports only its sibling runtime files: the emitted
 * TypeScript module carries its statements, so `createModel(device, readSafetensors(bytes).weights)`
 * loads a checkpoint. kasc's own code reads it through src/codegen/weights.ts.
 *
 * Block-quantized FP8 checkpoints (DeepSeek-V3 on Hugging Face): a 2-D F8_E4M3 tensor `X` comes with
 * `X_scale_inv`, one f32 multiplier per 128×128 block (value = decode(code) · scale_inv). The pair
 * becomes one tensor `X` that keeps the codes and block scales (`fp8`, what the FP8 GEMM reads, so the
 * runtime uploads them without quantizing twice) and whose f32 `data` is dequantized on first use.
 */
import { dequantizeFp8 } from './fp8.js';

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, F8_E4M3: 1 };
/** The format caps the header at 100 MB; so do we (a corrupt length must not make us allocate gigabytes). */
const MAX_HEADER = 100_000_000;

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`invalid .safetensors file: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** A bfloat16 is the top half of an f32: widen through one shared word. */
const BF16_BITS = new Uint32Array(1);
const BF16_VALUE = new Float32Array(BF16_BITS.buffer);

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** A tensor read from a .safetensors file; `fp8` for a block-quantized F8_E4M3 weight (see the top of the file). */
export interface SafetensorsTensor {
  readonly shape: number[];
  readonly data: Float32Array;
  readonly fp8?: { readonly codes: Uint8Array; readonly scales: Float32Array; readonly block: readonly [number, number] };
}

export interface SafetensorsOptions {
  /** The [rows, cols] of an F8_E4M3 weight's scale block (DeepSeek-V3's `weight_block_size`); default [128, 128]. */
  readonly fp8Block?: readonly [number, number];
}

/** Reads a safetensors file into f32 tensors; throws SafetensorsError on anything malformed. */
export function readSafetensors(bytes: Uint8Array, options: SafetensorsOptions = {}): { weights: Map<string, SafetensorsTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SafetensorsError(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw new SafetensorsError(`header length ${n} is over the format's 100 MB limit`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) throw new SafetensorsError(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(`the header is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('the header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null) throw new SafetensorsError('`__metadata__` is not an object');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw new SafetensorsError(`metadata \`${k}\` is not a string`);
        metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw new SafetensorsError(`tensor \`${name}\` is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) throw new SafetensorsError(`tensor \`${name}\` has dtype ${JSON.stringify(e.dtype)}; kasc reads F32, F16, BF16, F64 and block-scaled F8_E4M3`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`tensor \`${name}\` has a shape that is not a list of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`tensor \`${name}\` has data_offsets that are not two non-negative integers`);
    const [begin, end] = off as [number, number];
    if (begin > end || end > dataLen) throw new SafetensorsError(`tensor \`${name}\` has data_offsets [${begin}, ${end}] outside the ${dataLen} data bytes`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * DTYPE_BYTES[e.dtype]!) throw new SafetensorsError(`tensor \`${name}\` has ${end - begin} bytes; shape [${shape.join(', ')}] of ${e.dtype} needs ${count * DTYPE_BYTES[e.dtype]!}`);
    entries.push({ name, dtype: e.dtype, shape: shape as number[], begin, end });
  }
  // The format forbids holes and overlaps: sorted by offset, each tensor starts where the last ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = 0;
  for (const e of entries) {
    if (e.begin !== expect) throw new SafetensorsError(`tensor \`${e.name}\` starts at byte ${e.begin}, expected ${expect} (the data must be contiguous, without holes or overlaps)`);
    expect = e.end;
  }
  if (expect !== dataLen) throw new SafetensorsError(`the tensors cover ${expect} of the ${dataLen} data bytes`);
  const weights = new Map<string, SafetensorsTensor>();
  const byName = new Map(entries.map((e) => [e.name, e]));
  const fp8 = entries.filter((e) => e.dtype === 'F8_E4M3');
  const [bn, bk] = options.fp8Block ?? [128, 128];
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.dtype === 'F8_E4M3') continue; // paired with its scales below
    const count = e.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    const at = dataStart + e.begin;
    for (let i = 0; i < count; i++) {
      switch (e.dtype) {
        case 'F32': data[i] = view.getFloat32(at + 4 * i, true); break;
        case 'F64': data[i] = view.getFloat64(at + 8 * i, true); break;
        case 'F16': data[i] = f16ToF32(view.getUint16(at + 2 * i, true)); break;
        case 'BF16':
          BF16_BITS[0] = view.getUint16(at + 2 * i, true) << 16;
          data[i] = BF16_VALUE[0]!;
          break;
      }
    }
    weights.set(e.name, { shape: e.shape, data });
  }
  for (const e of fp8) {
    const scaleName = `${e.name}_scale_inv`;
    const se = byName.get(scaleName);
    if (e.shape.length !== 2) throw new SafetensorsError(`F8_E4M3 tensor \`${e.name}\` has shape [${e.shape.join(', ')}]; kasc reads 2-D block-scaled FP8 weights`);
    const [n, k] = e.shape as [number, number];
    const want = [Math.ceil(n / bn), Math.ceil(k / bk)];
    if (!se) throw new SafetensorsError(`F8_E4M3 tensor \`${e.name}\` has no \`${scaleName}\` (its ${bn}×${bk} block scales)`);
    const scales = weights.get(scaleName)?.data;
    weights.delete(scaleName);
    if (!scales || se.dtype === 'F8_E4M3' || se.shape.join('x') !== want.join('x')) throw new SafetensorsError(`\`${scaleName}\` is ${se.dtype} [${se.shape.join(', ')}]; the ${bn}×${bk} block scales of [${n}, ${k}] are a float tensor [${want.join(', ')}]`);
    const codes = bytes.slice(dataStart + e.begin, dataStart + e.end);
    let data: Float32Array | null = null;
    weights.set(e.name, {
      shape: e.shape,
      fp8: { codes, scales, block: [bn, bk] },
      get data() {
        return (data ??= dequantizeFp8(codes, scales, n, k, bn, bk));
      },
    });
  }
  return { weights: new Map([...weights].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), metadata };
}
