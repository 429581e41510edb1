/**
 * Model weights for the generated code and the CPU reference: the tensor table of a model (Hugging
 * Face DeepSeek-V3 / Llama names and shapes, from the IR), a seeded initializer, and a `.safetensors`
 * reader and writer.
 *
 * safetensors (https://huggingface.co/docs/safetensors): an 8-byte little-endian u64 header length N,
 * then N bytes of UTF-8 JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {…} }`
 * (offsets relative to the byte after the header, tensors contiguous and in order, no holes), then the
 * data, row-major little-endian. We read F32, F16 and BF16 into f32 and write F32.
 */
import { mulberry32 } from '../util/rng.js';
import type { ModelIR } from '../ir/model.js';

/** The reader is portable code the emitted TypeScript module carries too (runtime/safetensors.ts). */
export { readSafetensors, SafetensorsError } from './runtime/safetensors.js';

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}
export type Weights = Map<string, Tensor>;

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** How the initializer fills it: a norm weight is ones, a router bias zeros, a matrix uniform(±1/√fan_in). */
  readonly init: 'ones' | 'zeros' | 'linear' | 'embedding';
}

/** The width of the shared experts' FFN: HF DeepSeek concatenates `count` shared experts into one. */
export function sharedExpertWidth(model: ModelIR): number {
  return model.moe ? model.moe.shared.count * model.moe.shared.ffn.intermediate : 0;
}

/** Every tensor of the model, in a stable order, with Hugging Face names. MTP modules are left out. */
export function tensorTable(model: ModelIR): TensorSpec[] {
  const H = model.hidden;
  const out: TensorSpec[] = [{ name: 'model.embed_tokens.weight', shape: [model.vocab, H], init: 'embedding' }];
  const lin = (name: string, n: number, k: number) => out.push({ name, shape: [n, k], init: 'linear' });
  const norm = (name: string, n: number) => out.push({ name, shape: [n], init: 'ones' });
  const moeLayers = new Set(model.moe?.layers ?? []);
  for (let l = 0; l < model.layers; l++) {
    const p = `model.layers.${l}`;
    norm(`${p}.input_layernorm.weight`, H);
    const a = model.attention;
    if (a.kind === 'mla') {
      const qk = a.qkNopeDim + a.qkRopeDim;
      if (a.qLoraRank !== null) {
        lin(`${p}.self_attn.q_a_proj.weight`, a.qLoraRank, H);
        norm(`${p}.self_attn.q_a_layernorm.weight`, a.qLoraRank);
        lin(`${p}.self_attn.q_b_proj.weight`, a.heads * qk, a.qLoraRank);
      } else {
        lin(`${p}.self_attn.q_proj.weight`, a.heads * qk, H);
      }
      lin(`${p}.self_attn.kv_a_proj_with_mqa.weight`, a.kvLoraRank + a.qkRopeDim, H);
      norm(`${p}.self_attn.kv_a_layernorm.weight`, a.kvLoraRank);
      lin(`${p}.self_attn.kv_b_proj.weight`, a.heads * (a.qkNopeDim + a.vDim), a.kvLoraRank);
      lin(`${p}.self_attn.o_proj.weight`, H, a.heads * a.vDim);
    } else {
      lin(`${p}.self_attn.q_proj.weight`, a.heads * a.headDim, H);
      lin(`${p}.self_attn.k_proj.weight`, a.kvHeads * a.headDim, H);
      lin(`${p}.self_attn.v_proj.weight`, a.kvHeads * a.headDim, H);
      lin(`${p}.self_attn.o_proj.weight`, H, a.heads * a.headDim);
    }
    norm(`${p}.post_attention_layernorm.weight`, H);
    const ffn = (prefix: string, inter: number) => {
      lin(`${prefix}.gate_proj.weight`, inter, H);
      lin(`${prefix}.up_proj.weight`, inter, H);
      lin(`${prefix}.down_proj.weight`, H, inter);
    };
    if (model.moe && moeLayers.has(l)) {
      const m = model.moe;
      lin(`${p}.mlp.gate.weight`, m.routed, H);
      if (m.balance.kind === 'bias_update') out.push({ name: `${p}.mlp.gate.e_score_correction_bias`, shape: [m.routed], init: 'zeros' });
      for (let e = 0; e < m.routed; e++) ffn(`${p}.mlp.experts.${e}`, m.expert.intermediate);
      if (m.shared.count > 0) ffn(`${p}.mlp.shared_experts`, sharedExpertWidth(model));
    } else if (model.ffn) {
      ffn(`${p}.mlp`, model.ffn.intermediate);
    } else {
      throw new Error(`internal error: layer ${l} of \`${model.name}\` is neither dense nor MoE`);
    }
  }
  norm('model.norm.weight', H);
  if (!model.tiedEmbeddings) out.push({ name: 'lm_head.weight', shape: [model.vocab, H], init: 'linear' });
  return out;
}

/** The number of f32 values the model's weights hold. */
export function weightCount(model: ModelIR): number {
  return tensorTable(model).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
}


/**
 * Deterministic weights: matrices uniform in ±1/√fan_in (PyTorch's nn.Linear default bound), the
 * embedding uniform in ±1, norm weights 1 + small noise (so a wrong norm weight shows), router bias
 * small noise (so the bias path is exercised). Each tensor draws from its own stream (seed ⊕ index),
 * so adding a tensor does not change the others.
 */
export function initWeights(model: ModelIR, seed = 1): Weights {
  const w: Weights = new Map();
  tensorTable(model).forEach((spec, i) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const rand = mulberry32((seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0);
    const bound = spec.init === 'linear' ? 1 / Math.sqrt(spec.shape[1]!) : spec.init === 'embedding' ? 1 : 0.1;
    const base = spec.init === 'ones' ? 1 : 0;
    const noise = spec.init === 'zeros' ? 0.01 : bound;
    for (let j = 0; j < n; j++) data[j] = base + (rand() * 2 - 1) * noise;
    w.set(spec.name, { shape: spec.shape, data });
  });
  return w;
}

/** Checks that `w` holds every tensor the model needs, with the right shape; returns the problems. */
export function checkWeights(model: ModelIR, w: Weights): string[] {
  const problems: string[] = [];
  for (const spec of tensorTable(model)) {
    const t = w.get(spec.name);
    if (!t) problems.push(`missing tensor \`${spec.name}\``);
    else if (t.shape.join('x') !== spec.shape.join('x')) problems.push(`tensor \`${spec.name}\` has shape [${t.shape.join(', ')}], the model needs [${spec.shape.join(', ')}]`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// safetensors

/** Serializes tensors as F32 safetensors, names sorted so the bytes depend only on the contents. */
export function writeSafetensors(w: Weights, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...w.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header['__metadata__'] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = w.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`internal error: tensor \`${name}\` has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces to a multiple of 8 so the data that follows stays aligned (as the HF writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = w.get(name)!;
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}
