/**
 * Hugging Face import and export. For every config in ../shared/data/hf-configs and test/fixtures/hf:
 * the imported .kas compiles without a diagnostic; its parameter counts and KV cache equal a count made
 * here straight from the JSON, tensor by tensor as the checkpoints store them (not through kasc's cost
 * model); and export gives back every architecture field of the original.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, compileText, memoryReader } from './fixtures.js';
import { compile } from '../../src/passes/index.js';
import { importHfConfig, layerSelector, defaultModelName } from '../../src/interop/hf-import.js';
import { exportHfConfig, inferHfModelType } from '../../src/interop/hf-export.js';
import { HF_NON_ARCHITECTURE_FIELDS } from '../../src/interop/hf-types.js';
import { countParams } from '../../src/cost/params.js';
import { kvCacheBytesPerToken } from '../../src/cost/memory.js';
import type { ModelIR } from '../../src/ir/model.js';

const SHARED = path.resolve(ROOT, '../shared/data/hf-configs');
const FIXTURES = path.join(ROOT, 'test/fixtures/hf');
const CONFIGS = [
  ...(fs.existsSync(SHARED) ? fs.readdirSync(SHARED).map((f) => path.join(SHARED, f)) : []),
  ...fs.readdirSync(FIXTURES).map((f) => path.join(FIXTURES, f)),
]
  .filter((f) => f.endsWith('.json'))
  .sort();

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Count {
  total: number;
  activated: number;
  mtp: number;
  kvBytesPerToken: number;
}

/**
 * Parameters straight from config.json, named as the checkpoints name their tensors. The main model
 * only (DeepSeek-V3's MTP module, stored as layer 61, is counted apart without its embedding and head
 * copies, as the V3 report does).
 */
function countFromConfig(c: Config): Count {
  const t: string = c.model_type;
  const h: number = c.hidden_size;
  const L: number = c.num_hidden_layers;
  const V: number = c.vocab_size;
  const heads: number = c.num_attention_heads;
  const mla = t === 'deepseek_v2' || t === 'deepseek_v3';

  // self_attn.*
  let attn: number;
  if (mla) {
    const qk = c.qk_nope_head_dim + c.qk_rope_head_dim;
    const q = c.q_lora_rank == null ? h * heads * qk : h * c.q_lora_rank + c.q_lora_rank + c.q_lora_rank * heads * qk; // q_a_proj, q_a_layernorm, q_b_proj
    const kv = h * (c.kv_lora_rank + c.qk_rope_head_dim) + c.kv_lora_rank + c.kv_lora_rank * heads * (c.qk_nope_head_dim + c.v_head_dim); // kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj
    attn = q + kv + heads * c.v_head_dim * h; // o_proj
  } else {
    const d: number = c.head_dim ?? h / heads;
    const kvh: number = c.num_key_value_heads ?? heads;
    const qkvBias = t === 'qwen2' || t === 'qwen2_moe' || c.attention_bias === true;
    const oBias = t !== 'qwen2' && t !== 'qwen2_moe' && c.attention_bias === true;
    attn = h * heads * d + 2 * h * kvh * d + heads * d * h + (qkvBias ? heads * d + 2 * kvh * d : 0) + (oBias ? h : 0);
  }
  const mlp = (inner: number) => 3 * h * inner; // gate_proj, up_proj, down_proj
  const norms = 2 * h; // input_layernorm, post_attention_layernorm

  // Which layers are MoE, and what one MoE layer holds (all experts; what a token uses).
  let isMoe = (_i: number) => false;
  let moeTotal = 0;
  let moeActive = 0;
  if (t === 'mixtral') {
    isMoe = () => true;
    const gate = c.num_local_experts * h;
    moeTotal = gate + c.num_local_experts * mlp(c.intermediate_size);
    moeActive = gate + c.num_experts_per_tok * mlp(c.intermediate_size);
  } else if (t === 'qwen2_moe') {
    const step = c.decoder_sparse_step ?? 1;
    const only: number[] = c.mlp_only_layers ?? [];
    isMoe = (i) => !only.includes(i) && (i + 1) % step === 0;
    const gates = c.num_experts * h + h; // mlp.gate, mlp.shared_expert_gate
    const shared = mlp(c.shared_expert_intermediate_size);
    moeTotal = gates + shared + c.num_experts * mlp(c.moe_intermediate_size);
    moeActive = gates + shared + c.num_experts_per_tok * mlp(c.moe_intermediate_size);
  } else if (c.n_routed_experts != null) {
    const first = c.first_k_dense_replace ?? 0;
    const freq = c.moe_layer_freq ?? 1;
    isMoe = (i) => i >= first && i % freq === 0;
    const gate = c.n_routed_experts * h + (c.topk_method === 'noaux_tc' ? c.n_routed_experts : 0); // mlp.gate.weight, e_score_correction_bias
    const shared = mlp(c.moe_intermediate_size * (c.n_shared_experts ?? 0)); // mlp.shared_experts
    moeTotal = gate + shared + c.n_routed_experts * mlp(c.moe_intermediate_size);
    moeActive = gate + shared + c.num_experts_per_tok * mlp(c.moe_intermediate_size);
  }
  const layer = (i: number, active: boolean) => attn + norms + (isMoe(i) ? (active ? moeActive : moeTotal) : mlp(c.intermediate_size));

  const outside = V * h + (c.tie_word_embeddings ? 0 : V * h) + h; // embed_tokens, lm_head, norm
  let total = outside;
  let activated = outside;
  for (let i = 0; i < L; i++) {
    total += layer(i, false);
    activated += layer(i, true);
  }
  // MTP module: enorm, hnorm, eh_proj (h × 2h), one layer shaped like the last, shared_head.norm.
  const depth = t === 'deepseek_v3' ? (c.num_nextn_predict_layers ?? 0) : 0;
  const mtp = depth * (2 * h + 2 * h * h + layer(L - 1, false) + h);

  const kvPerLayer = mla ? c.kv_lora_rank + c.qk_rope_head_dim : 2 * (c.num_key_value_heads ?? heads) * (c.head_dim ?? h / heads);
  return { total, activated, mtp, kvBytesPerToken: kvPerLayer * L * 2 };
}

function importFile(file: string): { kas: string; model: ModelIR } {
  const r = importHfConfig(fs.readFileSync(file, 'utf8'), { source: path.basename(file), version: 'test' });
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const c = compileText(r.kas!);
  expect(c.diagnostics.items.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return { kas: r.kas!, model: c.ir!.models[0]! };
}

/** Fields that do nothing in the config they are in: sliding-window settings with the window off. */
function inert(c: Config): string[] {
  const out: string[] = [];
  if ((c.model_type === 'qwen2' || c.model_type === 'qwen2_moe') && !c.use_sliding_window) out.push('sliding_window', 'max_window_layers');
  // DeepSeek-V3 routes with noaux_tc; its aux_loss_alpha/seq_aux configure a training-only loss.
  if (c.topk_method === 'noaux_tc') out.push('aux_loss_alpha', 'seq_aux');
  return out;
}

describe('kasc import hf', () => {
  it('finds the shared configs and the fixtures', () => {
    expect(CONFIGS.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['deepseek-v3.json', 'deepseek-v2.json', 'llama-3.1-405b.json', 'qwen2.5-72b.json', 'deepseek-moe-16b-base.json', 'mixtral-8x7b.json', 'qwen1.5-moe-a2.7b.json']),
    );
  });

  for (const file of CONFIGS) {
    const name = path.basename(file);
    it(`${name}: parameters and KV cache equal a count straight from the config`, () => {
      const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Config;
      const { model } = importFile(file);
      const expected = countFromConfig(cfg);
      const p = countParams(model);
      expect(p.total).toBe(expected.total);
      expect(p.activated).toBe(expected.activated);
      expect(p.mtp?.unique ?? 0).toBe(expected.mtp);
      expect(kvCacheBytesPerToken(model, 'bf16')).toBe(expected.kvBytesPerToken);
    });

    it(`${name}: export gives back every architecture field`, () => {
      const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Config;
      const { model } = importFile(file);
      const r = exportHfConfig(model);
      expect(r.diagnostics).toEqual([]);
      expect(r.modelType).toBe(cfg.model_type);
      const skip = new Set([...HF_NON_ARCHITECTURE_FIELDS, ...inert(cfg)]);
      for (const key of Object.keys(cfg).filter((k) => !skip.has(k))) {
        expect(r.config![key], key).toEqual(cfg[key]);
      }
      expect(r.config!['architectures']).toEqual(cfg.architectures);
      // And the exported config imports to the same .kas model.
      const again = importHfConfig(r.text!, { source: name, version: 'test' });
      const body = (kas: string) => kas.slice(kas.indexOf('\nmodel '));
      expect(body(again.kas!)).toBe(body(importFile(file).kas));
    });
  }

  it('gives the published totals of the MoE fixtures', () => {
    const total = (f: string) => countParams(importFile(path.join(FIXTURES, f)).model).total;
    expect(total('mixtral-8x7b.json')).toBe(46_702_792_704); // "46.7B" (Mistral AI)
    expect(total('qwen1.5-moe-a2.7b.json')).toBe(14_315_784_192); // "14.3B" (Qwen1.5-MoE-A2.7B model card)
    expect(total('deepseek-moe-16b-base.json')).toBe(16_375_728_128); // "16.4B" (DeepSeekMoE paper, Table 7)
  });

  it('writes a header naming the source and keeps the HF names in comments', () => {
    const { kas } = importFile(path.join(FIXTURES, 'qwen1.5-moe-a2.7b.json'));
    expect(kas.split('\n')[0]).toBe('// Qwen1_5MoeA2_7b: imported by kasc test from qwen1.5-moe-a2.7b.json');
    expect(kas).toMatch(/shared_gate = true +\/\/ shared_expert_gate/);
    expect(kas).toMatch(/routed = 60 +\/\/ num_experts/);
  });

  it('rejects an unknown model type, naming it', () => {
    const r = importHfConfig('{"model_type": "gpt2", "n_embd": 768}', { source: 'c.json', version: 't' });
    expect(r.kas).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['KAS0601', 'unknown model_type `gpt2`']]);
    expect(r.diagnostics[0]!.help).toContain('`deepseek_v3`');
  });

  it('names every missing field', () => {
    const r = importHfConfig('{"model_type": "llama", "vocab_size": 32000, "num_hidden_layers": 2}', { source: 'c.json', version: 't' });
    expect(r.kas).toBeUndefined();
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'config.json has no `hidden_size`, which model_type `llama` needs',
      'config.json has no `num_attention_heads`, which model_type `llama` needs',
      'config.json has no `intermediate_size`, which model_type `llama` needs',
    ]);
  });

  it('reports a field of the wrong type, and text that is not JSON', () => {
    const wrong = importHfConfig('{"model_type": "qwen2", "vocab_size": "big", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128}', { source: 'c.json', version: 't' });
    expect(wrong.diagnostics.map((d) => [d.code, d.message])).toEqual([['KAS0603', '`vocab_size` must be a whole number ≥ 1, found string "big"']]);
    const notJson = importHfConfig('{"model_type": ', { source: 'c.json', version: 't' });
    expect(notJson.diagnostics[0]!.code).toBe('KAS0600');
    expect(importHfConfig('[1]', { source: 'c.json', version: 't' }).diagnostics[0]!.message).toBe('cannot read `c.json` as a JSON object: the file holds an array');
  });

  it('warns about a field it does not carry, and errors on one it cannot express', () => {
    const base = { model_type: 'llama', vocab_size: 100, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128 };
    const extra = importHfConfig(JSON.stringify({ ...base, partial_rotary_factor: 0.5 }), { source: 'c.json', version: 't' });
    expect(extra.kas).toContain('// Not carried over: partial_rotary_factor.');
    expect(extra.diagnostics.map((d) => [d.code, d.severity])).toEqual([['KAS0605', 'warning']]);
    const gelu = importHfConfig(JSON.stringify({ ...base, hidden_act: 'gelu' }), { source: 'c.json', version: 't' });
    expect(gelu.kas).toBeUndefined();
    expect(gelu.diagnostics.map((d) => d.message)).toEqual(['`hidden_act` = "gelu" cannot be expressed in .kas: the gated FFN kasc models is SwiGLU (`silu`)']);
  });

  it('maps layer sets to selectors, and refuses sets that are not one range', () => {
    expect(layerSelector([0, 1, 2, 3], 4)).toBe('');
    expect(layerSelector([3, 4, 5], 6)).toBe('layers[3..]');
    expect(layerSelector([1, 3, 5], 6)).toBe('layers[1.. step 2]');
    expect(layerSelector([1, 3], 6)).toBe('layers[1..4 step 2]');
    expect(layerSelector([0, 1, 3], 4)).toBeNull();
    const qwen = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'qwen1.5-moe-a2.7b.json'), 'utf8')) as Config;
    const holes = importHfConfig(JSON.stringify({ ...qwen, mlp_only_layers: [3, 7] }), { source: 'q.json', version: 't' });
    expect(holes.diagnostics.map((d) => d.code)).toEqual(['KAS0604']);
    expect(holes.diagnostics[0]!.message).toContain('`mlp_only_layers` = [3,7]');
  });

  it('names the model after the file, or the folder of a config.json', () => {
    expect(defaultModelName('llama-3.1-405b.json', {})).toBe('Llama3_1_405b');
    expect(defaultModelName('models/DeepSeek-V3/config.json', {})).toBe('DeepSeekV3');
    expect(defaultModelName('config.json', { architectures: ['MixtralForCausalLM'] })).toBe('Mixtral');
  });
});

describe('kasc export hf', () => {
  it('chooses the model type from the architecture', () => {
    const type = (f: string) => inferHfModelType(importFile(f).model);
    for (const f of CONFIGS) expect(type(f)).toBe((JSON.parse(fs.readFileSync(f, 'utf8')) as Config).model_type);
  });

  it('exports the stdlib DeepSeek-V3 as the published config', () => {
    const v3 = JSON.parse(fs.readFileSync(path.join(SHARED, 'deepseek-v3.json'), 'utf8')) as Config;
    const main = compile(path.join(ROOT, 'examples/deepseek-v3-train.kas'), memoryReader({}), ROOT);
    const model = main.ir!.models.find((m) => m.name === 'DeepSeekV3')!;
    const r = exportHfConfig(model);
    for (const key of ['n_routed_experts', 'n_group', 'topk_group', 'routed_scaling_factor', 'scoring_func', 'topk_method', 'first_k_dense_replace', 'q_lora_rank', 'kv_lora_rank', 'num_nextn_predict_layers']) {
      expect(r.config![key], key).toEqual(v3[key]);
    }
  });

  it('refuses a model the chosen type cannot describe', () => {
    const mixtral = importFile(path.join(FIXTURES, 'mixtral-8x7b.json')).model;
    const r = exportHfConfig(mixtral, 'deepseek_v3');
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['KAS0606', 'model `Mixtral8x7b` cannot be written as model_type `deepseek_v3`: its attention is `gqa`; `deepseek_v3` has multi-head latent attention']]);
    expect(r.diagnostics[0]!.help).toContain('`mixtral`');
  });
});
