/**
 * `kasc import hf`: a Hugging Face `config.json` → a commented `.kas` model. Every field that shapes the
 * network is read by name (a missing or mistyped one is an error naming it); fields that change nothing
 * kasc models (tokenizer ids, dropout, …) are skipped; anything else the language cannot hold is a
 * warning, so nothing is dropped silently. docs/interop.md has the field-by-field mapping.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic, type CodeName, type CodeParams } from '../diagnostics/codes.js';
import { HF_ARCHITECTURE, HF_DEFAULT_RMS_EPS, HF_MODEL_TYPES, HF_NON_ARCHITECTURE_FIELDS, isDeepseek, isHfModelType, isMla, type HfModelType } from './hf-types.js';
import { formatSource } from '../format/format.js';
import { KasBlockWriter, declarationNameFrom, isDeclarationName, kasNumber } from './kas-text.js';

export interface HfImportOptions {
  /** How the config is named in the header comment and in messages (a path as the user gave it). */
  readonly source: string;
  /** The model's name; by default derived from the file or folder name. */
  readonly name?: string;
  /** The kasc version, for the header. */
  readonly version: string;
}

export interface HfImportResult {
  /** The .kas text; absent when there were errors. */
  readonly kas?: string;
  readonly modelName?: string;
  readonly modelType?: HfModelType;
  readonly diagnostics: readonly Diagnostic[];
}

type Json = unknown;

const show = (v: Json) => JSON.stringify(v);
const describe = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${show(v)}`);

/** Reads fields of one config, remembering which were read and collecting every error. */
class ConfigReader {
  readonly used = new Set<string>();
  readonly diagnostics: Diagnostic[] = [];
  /** Lines for the header comment: what the reader should know about the translation. */
  readonly notes: string[] = [];

  constructor(
    readonly cfg: Readonly<Record<string, Json>>,
    readonly type: HfModelType,
  ) {}

  report<K extends CodeName>(name: K, params: CodeParams<K>, help?: string): void {
    this.diagnostics.push(diagnostic(name, params, undefined, help ? { help } : {}));
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** Whether a field is present and not null (and so read). */
  present(f: string): boolean {
    this.used.add(f);
    return this.cfg[f] !== undefined && this.cfg[f] !== null;
  }

  private value(f: string, dflt: Json | undefined): Json | undefined {
    this.used.add(f);
    const v = this.cfg[f];
    if (v === undefined || v === null) {
      if (dflt === undefined) this.report('hfMissingField', { field: f, type: this.type });
      return dflt;
    }
    return v;
  }

  int(f: string, dflt?: number, min = 1): number {
    const v = this.value(f, dflt);
    if (v === undefined) return min;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.report('hfWrongFieldType', { field: f, expected: `a whole number ≥ ${min}`, found: describe(v) });
      return min;
    }
    return v;
  }

  real(f: string, dflt?: number): number {
    const v = this.value(f, dflt);
    if (v === undefined) return 1;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      this.report('hfWrongFieldType', { field: f, expected: 'a number ≥ 0', found: describe(v) });
      return 1;
    }
    return v;
  }

  bool(f: string, dflt?: boolean): boolean {
    const v = this.value(f, dflt);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') {
      this.report('hfWrongFieldType', { field: f, expected: 'true or false', found: describe(v) });
      return false;
    }
    return v;
  }

  str(f: string, dflt?: string): string {
    const v = this.value(f, dflt);
    if (v === undefined) return '';
    if (typeof v !== 'string') {
      this.report('hfWrongFieldType', { field: f, expected: 'a string', found: describe(v) });
      return '';
    }
    return v;
  }

  intList(f: string): number[] {
    const v = this.value(f, []);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0)) {
      this.report('hfWrongFieldType', { field: f, expected: 'a list of layer indices', found: describe(v) });
      return [];
    }
    return v as number[];
  }
}

/** A set of layers as a `moe` selector: `` (all), `layers[3..]`, `layers[1..24 step 2]`; null when not one range. */
export function layerSelector(layers: readonly number[], total: number): string | null {
  if (layers.length === 0) return null;
  const step = layers.length > 1 ? layers[1]! - layers[0]! : 1;
  for (let i = 1; i < layers.length; i++) if (layers[i]! - layers[i - 1]! !== step) return null;
  const first = layers[0]!;
  const last = layers[layers.length - 1]!;
  if (first === 0 && step === 1 && last === total - 1) return '';
  const toEnd = last + step >= total;
  const end = toEnd ? '' : String(last + 1);
  return `layers[${first}..${end}${step === 1 ? '' : ` step ${step}`}]`;
}

/** The default model name: the file's stem, or its folder's name for a `config.json`. */
export function defaultModelName(source: string, cfg: Readonly<Record<string, Json>>): string {
  const parts = source.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  const stem = (parts[parts.length - 1] ?? '').replace(/\.json$/i, '');
  const folder = parts.length > 1 ? parts[parts.length - 2]! : '';
  const arch = Array.isArray(cfg['architectures']) && typeof cfg['architectures'][0] === 'string' ? (cfg['architectures'][0] as string).replace(/ForCausalLM$/, '') : '';
  const base = stem !== 'config' ? stem : folder !== '' && folder !== '..' ? folder : arch || String(cfg['model_type'] ?? 'Model');
  return declarationNameFrom(base);
}

export function importHfConfig(text: string, opts: HfImportOptions): HfImportResult {
  let cfg: Json;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    return { diagnostics: [diagnostic('hfNotJson', { path: opts.source, detail: e instanceof Error ? e.message : String(e) }, undefined)] };
  }
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) {
    return { diagnostics: [diagnostic('hfNotJson', { path: opts.source, detail: `the file holds ${describe(cfg)}` }, undefined)] };
  }
  const config = cfg as Record<string, Json>;
  const supported = `kasc imports model_type ${HF_MODEL_TYPES.map((t) => '`' + t + '`').join(', ')}`;
  const type = config['model_type'];
  if (type === undefined || type === null) return { diagnostics: [diagnostic('hfMissingField', { field: 'model_type', type: 'any' }, undefined, { help: supported })] };
  if (typeof type !== 'string') return { diagnostics: [diagnostic('hfWrongFieldType', { field: 'model_type', expected: 'a string', found: describe(type) }, undefined, { help: supported })] };
  if (!isHfModelType(type)) return { diagnostics: [diagnostic('hfUnknownModelType', { type }, undefined, { help: supported })] };
  const name = opts.name ?? defaultModelName(opts.source, config);
  if (!isDeclarationName(name)) {
    return { diagnostics: [diagnostic('hfWrongFieldType', { field: '--name', expected: 'an identifier that is not a keyword', found: show(name) }, undefined)] };
  }

  const r = new ConfigReader(config, type);
  const model = new KasBlockWriter().open(`model ${name}`);
  writeModel(r, model);
  model.close();

  // Whatever was not read is either bookkeeping or something the language cannot hold: say which.
  const notCarried: string[] = [];
  for (const key of Object.keys(config).sort()) {
    if (r.used.has(key) || HF_NON_ARCHITECTURE_FIELDS.has(key)) continue;
    r.report('hfNotCarried', { field: key, why: `kasc does not model it for model_type \`${type}\`` });
    notCarried.push(key);
  }
  if (r.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: r.diagnostics };

  const header = new KasBlockWriter()
    .comment(`${name}: imported by kasc ${opts.version} from ${opts.source}`)
    .comment(`(model_type \`${type}\`, ${HF_ARCHITECTURE[type]}). Hugging Face field names are in the comments;`)
    .comment('`kasc export hf` writes the config back.');
  if (config['quantization_config'] !== undefined) header.comment('The checkpoint is stored quantized (quantization_config); a `serve` block says so with `weights = fp8`.');
  for (const note of r.notes) header.comment(note);
  if (notCarried.length) header.comment(`Not carried over: ${notCarried.join(', ')}.`);
  // The writer already lays the file out canonically; the formatter makes sure of it as the layout evolves.
  const written = header.render() + model.render();
  const formatted = formatSource(written, `${name}.kas`);
  return { kas: formatted.diagnostics.length === 0 ? formatted.text : written, modelName: name, modelType: type, diagnostics: r.diagnostics };
}

/** The model's fields, in the order the stdlib models use: sizes, norm, attention, FFN, rope, MoE, MTP. */
function writeModel(r: ConfigReader, w: KasBlockWriter): void {
  const t = r.type;
  const hidden = r.int('hidden_size');
  const layers = r.int('num_hidden_layers');
  w.field('vocab', kasNumber(r.int('vocab_size')), 'vocab_size');
  w.field('hidden', kasNumber(hidden), 'hidden_size');
  w.field('layers', kasNumber(layers), 'num_hidden_layers');
  if (r.present('max_position_embeddings')) w.field('context', kasNumber(r.int('max_position_embeddings')), 'max_position_embeddings');
  w.field('norm', `rmsnorm { eps = ${kasNumber(r.real('rms_norm_eps', HF_DEFAULT_RMS_EPS[t]))} }`, 'rms_norm_eps');
  w.field('tied_embeddings', String(r.bool('tie_word_embeddings', false)), 'tie_word_embeddings');

  const act = r.str('hidden_act', 'silu');
  if (act !== 'silu') r.report('hfUnsupported', { field: 'hidden_act', value: show(act), why: 'the gated FFN kasc models is SwiGLU (`silu`)' });
  if (t === 'llama' && r.bool('mlp_bias', false)) r.report('hfUnsupported', { field: 'mlp_bias', value: 'true', why: '`swiglu` FFNs have no biases' });

  writeAttention(r, w, hidden);

  // The dense FFN. Mixtral's intermediate_size is the experts' width, so it has none.
  // It is required where some layer is dense, and kept (for the round trip) where none is.
  if (t !== 'mixtral') {
    const moe = t === 'llama' || t === 'qwen2' || (isDeepseek(t) && !r.present(expertsFieldOf(t))) ? 0 : moeLayers(r, layers).layers.length;
    if (moe < layers || r.present('intermediate_size')) {
      const note = moe === layers ? 'intermediate_size (unused: every layer is MoE)' : 'intermediate_size, hidden_act = silu';
      w.field('ffn', `swiglu { intermediate = ${kasNumber(r.int('intermediate_size'))} }`, note);
    }
  }
  writeRope(r, w);
  writeMoe(r, w, layers);
  if (t === 'deepseek_v3') {
    const depth = r.int('num_nextn_predict_layers', 0, 0);
    if (depth > 0) w.blank().open('mtp').field('depth', kasNumber(depth), 'num_nextn_predict_layers').close();
  }
}

function writeAttention(r: ConfigReader, w: KasBlockWriter, hidden: number): void {
  const t = r.type;
  const heads = r.int('num_attention_heads');
  if (isMla(t)) {
    r.used.add('num_key_value_heads'); // MLA has no key/value heads; the config repeats `num_attention_heads`
    if (r.bool('attention_bias', false)) r.report('hfUnsupported', { field: 'attention_bias', value: 'true', why: '`mla` attention has no projection biases' });
    w.open('attention = mla', 'multi-head latent attention');
    w.field('heads', kasNumber(heads), 'num_attention_heads');
    if (r.present('q_lora_rank')) w.field('q_lora_rank', kasNumber(r.int('q_lora_rank')), 'q_lora_rank');
    else r.note('q_lora_rank is null: queries are projected without compression.');
    w.field('kv_lora_rank', kasNumber(r.int('kv_lora_rank')), 'kv_lora_rank');
    w.field('qk_nope_dim', kasNumber(r.int('qk_nope_head_dim')), 'qk_nope_head_dim');
    w.field('qk_rope_dim', kasNumber(r.int('qk_rope_head_dim')), 'qk_rope_head_dim');
    w.field('v_dim', kasNumber(r.int('v_head_dim')), 'v_head_dim');
    w.close();
    return;
  }
  const kvHeads = r.int('num_key_value_heads', heads);
  let headDim: number | null = null;
  if (r.present('head_dim')) headDim = r.int('head_dim');
  else if (hidden % heads !== 0) r.report('hfMissingField', { field: 'head_dim', type: t });
  // Qwen2 puts biases on q, k and v; Llama and DeepSeek on all four projections when attention_bias is set.
  const qwen = t === 'qwen2' || t === 'qwen2_moe';
  const bias = t === 'mixtral' || qwen ? false : r.bool('attention_bias', false);
  const qkvBias = qwen || bias;
  if (qwen) {
    // Sliding-window attention is off unless use_sliding_window is set; then its size and layers are inert.
    const sliding = r.bool('use_sliding_window', false);
    r.used.add('sliding_window');
    r.used.add('max_window_layers');
    if (sliding) r.report('hfNotCarried', { field: 'use_sliding_window', why: 'the .kas models full attention on every layer, so long-context KV-cache figures are upper bounds' });
  }
  if (t === 'mixtral' && r.present('sliding_window')) {
    r.report('hfNotCarried', { field: 'sliding_window', why: 'the .kas models full attention, so long-context KV-cache figures are upper bounds' });
  }
  const kind = kvHeads === heads ? 'mha' : 'gqa';
  w.open(`attention = ${kind}`, kind === 'mha' ? 'num_key_value_heads = num_attention_heads' : 'grouped-query attention');
  w.field('heads', kasNumber(heads), 'num_attention_heads');
  if (kind === 'gqa') w.field('kv_heads', kasNumber(kvHeads), 'num_key_value_heads');
  if (headDim !== null) w.field('head_dim', kasNumber(headDim), 'head_dim');
  if (qkvBias) w.field('qkv_bias', 'true', qwen ? 'Qwen2 attention has q, k and v biases' : 'attention_bias');
  if (bias) w.field('o_bias', 'true', 'attention_bias');
  w.close();
}

function writeRope(r: ConfigReader, w: KasBlockWriter): void {
  const hasTheta = r.present('rope_theta');
  const hasScaling = r.present('rope_scaling');
  if (!hasTheta && !hasScaling) return;
  w.open('rope');
  if (hasTheta) w.field('theta', kasNumber(r.real('rope_theta')), 'rope_theta');
  if (hasScaling) {
    const s = r.cfg['rope_scaling'];
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      r.report('hfWrongFieldType', { field: 'rope_scaling', expected: 'an object or null', found: describe(s) });
    } else {
      const sc = s as Record<string, Json>;
      const kind = sc['type'] ?? sc['rope_type'];
      const num = (k: string, dflt?: number): number => {
        const v = sc[k] ?? dflt;
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          if (v === undefined) r.report('hfMissingField', { field: `rope_scaling.${k}`, type: r.type });
          else r.report('hfWrongFieldType', { field: `rope_scaling.${k}`, expected: 'a number ≥ 0', found: describe(v) });
          return 1;
        }
        return v;
      };
      const known: Record<string, string[]> = {
        linear: ['factor'],
        dynamic: ['factor'],
        yarn: ['factor', 'original_max_position_embeddings', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim'],
        llama3: ['factor', 'original_max_position_embeddings', 'low_freq_factor', 'high_freq_factor'],
      };
      if (typeof kind !== 'string' || !(kind in known)) {
        r.report('hfUnsupported', { field: 'rope_scaling.type', value: show(kind ?? null), why: 'kasc knows `linear`, `dynamic`, `yarn` and `llama3` RoPE scaling' });
      } else {
        for (const k of Object.keys(sc).sort()) {
          if (k !== 'type' && k !== 'rope_type' && !known[kind]!.includes(k)) r.report('hfNotCarried', { field: `rope_scaling.${k}`, why: `kasc does not model it for \`${kind}\` scaling` });
        }
        w.open(`scaling = ${kind}`, 'rope_scaling');
        w.field('factor', kasNumber(num('factor')), 'factor');
        if (kind === 'yarn' || kind === 'llama3') w.field('original_context', kasNumber(num('original_max_position_embeddings')), 'original_max_position_embeddings');
        if (kind === 'yarn') {
          w.field('beta_fast', kasNumber(num('beta_fast', 32)), 'beta_fast');
          w.field('beta_slow', kasNumber(num('beta_slow', 1)), 'beta_slow');
          w.field('mscale', kasNumber(num('mscale', 1)), 'mscale');
          w.field('mscale_all_dim', kasNumber(num('mscale_all_dim', 0)), 'mscale_all_dim');
        }
        if (kind === 'llama3') {
          w.field('low_freq_factor', kasNumber(num('low_freq_factor', 1)), 'low_freq_factor');
          w.field('high_freq_factor', kasNumber(num('high_freq_factor', 4)), 'high_freq_factor');
        }
        w.close();
      }
    }
  }
  w.close();
}

const expertsFieldOf = (t: HfModelType) => (t === 'mixtral' ? 'num_local_experts' : t === 'qwen2_moe' ? 'num_experts' : 'n_routed_experts');

/** The MoE layers, as each type's modeling code chooses them. */
function moeLayers(r: ConfigReader, layers: number): { layers: number[]; fields: string } {
  const t = r.type;
  const all = Array.from({ length: layers }, (_, i) => i);
  if (t === 'mixtral') return { layers: all, fields: 'every layer' };
  if (t === 'qwen2_moe') {
    const step = r.int('decoder_sparse_step', 1);
    const dense = new Set(r.intList('mlp_only_layers'));
    return { layers: all.filter((i) => !dense.has(i) && (i + 1) % step === 0), fields: 'decoder_sparse_step, mlp_only_layers' };
  }
  const first = r.int('first_k_dense_replace', 0, 0);
  const freq = r.int('moe_layer_freq', 1);
  return { layers: all.filter((i) => i >= first && i % freq === 0), fields: 'first_k_dense_replace, moe_layer_freq' };
}

function writeMoe(r: ConfigReader, w: KasBlockWriter, layers: number): void {
  const t = r.type;
  if (t === 'llama' || t === 'qwen2') return;
  const expertsField = expertsFieldOf(t);
  if (isDeepseek(t) && !r.present(expertsField)) return; // a dense DeepSeek model
  const routed = r.int(expertsField);
  const topK = r.int('num_experts_per_tok');
  const sel = moeLayers(r, layers);
  const selector = layerSelector(sel.layers, layers);
  if (selector === null) {
    for (const k of Object.keys(r.cfg)) r.used.add(k); // the import fails here; the rest would only add noise
    const field = sel.layers.length === 0 ? expertsField : sel.fields.split(', ')[1]!;
    r.report('hfUnsupported', {
      field,
      value: show(r.cfg[field] ?? null),
      why: sel.layers.length === 0 ? 'it leaves no MoE layer' : `the MoE layers (${sel.fields}) are not one evenly spaced range, which a \`moe layers[a..b step s]\` selector needs`,
    });
    return;
  }
  w.blank().open(selector ? `moe ${selector}` : 'moe', `MoE layers: ${sel.fields}`);
  w.field('routed', kasNumber(routed), expertsField);
  const expertWidth = r.int(t === 'mixtral' ? 'intermediate_size' : 'moe_intermediate_size');
  w.field('expert', `swiglu { intermediate = ${kasNumber(expertWidth)} }`, t === 'mixtral' ? 'intermediate_size' : 'moe_intermediate_size');
  if (t === 'qwen2_moe') {
    const shared = r.int('shared_expert_intermediate_size', 0, 0);
    if (shared > 0) w.field('shared', `1 x swiglu { intermediate = ${kasNumber(shared)} }`, 'shared_expert_intermediate_size');
    w.field('shared_gate', 'true', 'shared_expert_gate: sigmoid(x · w) scales the shared expert');
  } else if (isDeepseek(t)) {
    const shared = r.present('n_shared_experts') ? r.int('n_shared_experts', 0, 0) : 0;
    w.field('shared', kasNumber(shared), 'n_shared_experts, each as wide as a routed expert');
  }
  w.field('top_k', kasNumber(topK), 'num_experts_per_tok');

  // Routing: Mixtral and Qwen2-MoE take a softmax over all experts, then the top k (Mixtral renormalises).
  let score = 'softmax';
  let normalize = t === 'mixtral';
  let scale = 1;
  if (isDeepseek(t)) {
    score = r.str('scoring_func', 'softmax');
    if (score !== 'softmax' && score !== 'sigmoid') r.report('hfUnsupported', { field: 'scoring_func', value: show(score), why: 'the router scores experts with `softmax` or `sigmoid`' });
    normalize = r.bool('norm_topk_prob', false);
    if (t !== 'deepseek') scale = r.real('routed_scaling_factor', 1);
  } else if (t === 'qwen2_moe') {
    normalize = r.bool('norm_topk_prob', false);
  }
  const routerComment = isDeepseek(t) ? 'scoring_func, routed_scaling_factor, norm_topk_prob' : t === 'qwen2_moe' ? 'softmax over all experts, norm_topk_prob' : 'softmax over the top k';
  w.field('router', `${score} { scale = ${kasNumber(scale)}  normalize = ${normalize} }`, routerComment);

  let method = 'greedy';
  if (isMla(t)) {
    method = r.str('topk_method', t === 'deepseek_v3' ? 'noaux_tc' : 'greedy');
    if (!['greedy', 'group_limited_greedy', 'noaux_tc'].includes(method)) r.report('hfUnsupported', { field: 'topk_method', value: show(method), why: 'kasc knows `greedy`, `group_limited_greedy` and `noaux_tc`' });
    const groups = r.present('n_group') ? r.int('n_group') : 1;
    const choose = r.present('topk_group') ? r.int('topk_group') : 1;
    if (method !== 'greedy' && groups > 1) w.field('groups', `${kasNumber(groups)} choose ${kasNumber(choose)}`, 'n_group, topk_group: group-limited routing');
    else if (method === 'greedy' && groups > 1) r.report('hfNotCarried', { field: 'n_group', why: 'topk_method `greedy` ignores expert groups' });
  }

  // Balancing. The bias-update speed of noaux_tc is a training setting that config.json does not hold.
  if (method === 'noaux_tc') {
    r.used.add('aux_loss_alpha');
    r.used.add('seq_aux');
    w.field('balance', 'bias_update { rate = 0.001 }', 'topk_method = noaux_tc; rate: V3 report §4.2, not in config.json');
    r.note('noaux_tc: the bias update speed (0.001) is from the DeepSeek-V3 report; aux_loss_alpha/seq_aux are training settings.');
  } else if (isDeepseek(t)) {
    const alpha = r.real('aux_loss_alpha', 0.001);
    const seq = r.bool('seq_aux', true);
    w.field('balance', alpha > 0 ? `aux_loss { alpha = ${kasNumber(alpha)}  sequence = ${seq} }` : 'none', 'aux_loss_alpha, seq_aux');
  } else {
    const alpha = r.real('router_aux_loss_coef', 0.001);
    w.field('balance', alpha > 0 ? `aux_loss { alpha = ${kasNumber(alpha)} }` : 'none', 'router_aux_loss_coef');
  }
  w.close();
}
