/**
 * The forward plan of a model: its forward pass (prefill and decode with a KV cache) as data for the
 * portable runtime (src/codegen/runtime/runtime.ts) — the scratch buffers, the weight recipes by
 * Hugging Face name, and the schedule of kernel dispatches as a prologue, one block of steps per kind
 * of layer (with `{l}` for the layer index in weight names) and an epilogue. A 61-layer, 256-expert
 * model is two blocks and a 61-entry layer table, not 61 × 256 unrolled steps.
 *
 * `kasc run` (src/codegen/host.ts) plans for the adapter it runs on; `kasc build --emit ts`
 * (src/codegen/emit-ts.ts) writes the plan of WebGPU's core limits into the generated module. Every
 * step is checked here against its kernel (every storage binding bound, every Params field given), so
 * a plan the runtime receives is complete. The kernel roles and binding layouts are those of
 * src/codegen/INTERFACE.md ("Kernels side").
 */
import type { ModelIR } from '../ir/model.js';
import { type GeneratedKernel, moePlanWords } from './kernels/index.js';
import { ropeTheta } from './reference/forward.js';
import { type BufferRef, type BufferSpec, type Extent, type ForwardPlan, type Fp8Scaling, type Grid, ModelRunError, type ParamValue, type Step, type TensorGroup, type WeightRecipe } from './runtime/runtime.js';
import { tensorTable } from './weights.js';

export interface PlanOptions {
  /** Tokens per call the kernels were generated for (kernelsForModel's maxTokens). */
  readonly maxTokens: number;
  /** KV-cache capacity the attention kernel was generated for. */
  readonly maxSeq: number;
  readonly precision: 'fp32' | 'fp8';
  /** FP8: the scaling the kernels were generated with (kernelsForModel's `fp8`); default DEFAULT_FP8_SCALING. */
  readonly fp8?: Fp8Scaling;
}

/** DeepSeek-V3's recipe (V3TR §3.3): activations per 1×128 tile, weights per 128×128 block, N_C = 128. */
export const DEFAULT_FP8_SCALING: Fp8Scaling = { activationTile: [1, 128], weightBlock: [128, 128], promoteEvery: 128 };

/**
 * Why the kernels cannot run FP8 `scaling` as written, or [] — the FP8 GEMM reads one scale per row
 * and K-block of the activation and per blockN×blockK block of the weight, and promotes every N_C
 * elements inside one K-block (kernels/fp8-gemm.ts validateFp8GemmConfig).
 */
export function fp8ScalingProblems(scaling: Fp8Scaling): string[] {
  const [ar, ak] = scaling.activationTile;
  const [wn, wk] = scaling.weightBlock;
  const nc = scaling.promoteEvery;
  const out: string[] = [];
  if (ar !== 1) out.push(`activation tiles of ${ar} rows (the activation quantizer scales each row: 1×K tiles)`);
  if (ak !== wk) out.push(`activation tiles ${ak} wide but weight blocks ${wk} wide (the GEMM takes one K-block for both)`);
  if (wk % 4 !== 0 || wn < 1) out.push(`weight blocks of ${wn}×${wk} (K-blocks must be a multiple of 4 wide: four codes per u32)`);
  if (!(nc >= 4 && nc % 4 === 0 && wk % nc === 0)) out.push(`promotion every ${nc} elements (N_C must divide the ${wk}-wide K-block and be a multiple of 4)`);
  return out;
}

/** kernelsForModel's `fp8` option for a scaling. */
export function fp8KernelOptions(scaling: Fp8Scaling): { blockK: number; blockN: number; promoteEvery: number } {
  return { blockK: scaling.weightBlock[1], blockN: scaling.weightBlock[0], promoteEvery: scaling.promoteEvery };
}

/** The reasons the runtime cannot run `model`, or [] (the same rules planForward enforces). */
export function unsupported(model: ModelIR): string[] {
  const out: string[] = [];
  const a = model.attention;
  if (model.norm.kind !== 'rmsnorm') out.push(`${model.norm.kind} (the kernels implement rmsnorm)`);
  if (a.kind !== 'mla' && (a.qkvBias || a.oBias)) out.push('attention biases');
  if (model.ffn && model.ffn.kind !== 'swiglu') out.push(`a ${model.ffn.kind} FFN (the kernels implement SwiGLU)`);
  if (model.ffn?.bias) out.push('FFN biases');
  if (model.moe?.sharedGate) out.push('a shared-expert gate');
  if (model.moe && model.moe.expert.kind !== 'swiglu') out.push(`${model.moe.expert.kind} experts`);
  return out;
}

/** A tile size baked into a matmul-like kernel's WGSL as `const NAME: u32 = …u`. */
function tileConst(k: GeneratedKernel, name: 'TM' | 'TN'): number {
  const m = new RegExp(`const ${name}: u32 = (\\d+)u`).exec(k.wgsl);
  if (!m) throw new Error(`internal error: kernel \`${k.name}\` declares no ${name}`);
  return Number(m[1]);
}

const cdiv = (x: number, y: number): number => Math.ceil(x / y);

export function planForward(model: ModelIR, kernelList: readonly GeneratedKernel[], o: PlanOptions): ForwardPlan {
  const problems = unsupported(model);
  if (problems.length) throw new ModelRunError(`the WebGPU forward pass does not implement ${problems.join(', ')}, which \`${model.name}\` uses`);
  const kernels = new Map(kernelList.map((k) => [k.name, k]));
  const MAXT = o.maxTokens;
  const H = model.hidden;
  const a = model.attention;
  const buffers: Record<string, BufferSpec> = {};
  /** Declares a scratch buffer of `perToken` words per token (perToken × maxTokens words). */
  const scratch = (name: string, perToken: number): string => {
    buffers[name] = { words: MAXT * perToken };
    return name;
  };
  const kernel = (name: string): GeneratedKernel => {
    const k = kernels.get(name);
    if (!k) throw new Error(`internal error: kernelsForModel gave no kernel \`${name}\``);
    return k;
  };
  /** A dispatch of `name`, checked against the kernel: every storage binding bound, every Params field given. */
  const step = (name: string, bind: Record<string, BufferRef>, values: Record<string, ParamValue>, grid: Grid): Extract<Step, { kernel: string }> => {
    const k = kernel(name);
    for (const b of k.bindings) if (b.type !== 'uniform' && bind[b.name] === undefined) throw new Error(`internal error: the plan binds nothing to \`${b.name}\` of kernel \`${name}\``);
    for (const key of Object.keys(bind)) if (!k.bindings.some((b) => b.name === key)) throw new Error(`internal error: kernel \`${name}\` has no binding \`${key}\``);
    const params: Record<string, ParamValue> = {};
    for (const p of k.params) {
      const v = values[p];
      if (v === undefined) throw new Error(`internal error: the plan gives kernel \`${name}\` no param \`${p}\``);
      params[p] = v;
    }
    return k.params.length ? { kernel: name, bind, params, grid } : { kernel: name, bind, grid };
  };
  const W = (recipe: WeightRecipe): BufferRef => ({ weight: recipe });
  const rows: Record<string, ParamValue> = { rows: 'T', m: 'T' };
  const perRow = (n: number, div = 1): Extent => [n, 0, div];
  /** 1-D over T·perRowItems items, folded into x/y by the runtime. */
  const flat = (name: string, items: number): Grid => ({ folded: perRow(items, kernel(name).workgroupSize[0]) });
  const mm = (name: string, n: number): Grid => [cdiv(n, tileConst(kernel(name), 'TN')), perRow(1, tileConst(kernel(name), 'TM')), 1];
  const norm = (name: string, x: string, w: WeightRecipe, y: string, yRow0: ParamValue = 0): Step => step(name, { x, w: W(w), y }, { rows: 'T', yRow0 }, [perRow(1), 1, 1]);
  const fp8 = o.precision === 'fp8' ? (o.fp8 ?? DEFAULT_FP8_SCALING) : undefined;
  if (fp8) {
    const problems = fp8ScalingProblems(fp8);
    if (problems.length) throw new ModelRunError(`the FP8 kernels do not implement ${problems.join(', ')}`);
  }
  let fp8Sites = 0;
  /** y[T,n] = x[T,k]·Wᵀ: a matmul, or (fp8) quantize_act_k then the block-scaled FP8 GEMM. */
  const linear = (role: string, x: string, w: WeightRecipe, n: number, k: number, y: string): Step[] => {
    if (o.precision === 'fp32') return [step(role, { a: x, b: W(w), c: y }, rows, mm(role, n))];
    // Each call site has its own activation buffers, one per layer, so that after a call every
    // quantized activation can still be read back (GpuModel.readQuantizedActivations in host.ts).
    const site = fp8Sites++;
    const aq = `act_fp8_${site}`;
    const ascale = `act_scales_${site}`;
    buffers[aq] = { words: (MAXT * k) / 4, perLayer: true };
    const bk = fp8!.activationTile[1];
    buffers[ascale] = { words: MAXT * cdiv(k, bk), perLayer: true };
    return [
      { ...step(`quantize_act_${k}`, { x, q: aq, scales: ascale }, {}, [cdiv(k, bk), perRow(1), 1]), fp8Activation: k },
      step(`${role}_fp8`, { aq, ascale, bq: W({ fp8: 'codes', of: w, n, k }), bscale: W({ fp8: 'scales', of: w, n, k }), c: y }, rows, mm(`${role}_fp8`, n)),
    ];
  };

  const L = 'model.layers.{l}';
  const ids = scratch('ids', 1);
  const x = scratch('x', H);
  const hn = scratch('hn', H);
  const attn = scratch('attn', H);
  const fn = scratch('fn', H);
  const out = scratch('out', H);
  const prologue: Step[] = [step('embedding', { ids, table: W('model.embed_tokens.weight'), y: x }, rows, flat('embedding', H))];

  const attention: Step[] = [norm('rmsnorm_hidden', x, `${L}.input_layernorm.weight`, hn)];
  if (a.kind === 'mla') {
    const R = a.kvLoraRank;
    const P = a.qkRopeDim;
    const qk = a.qkNopeDim + P;
    buffers['cs'] = { words: P, perPosition: true, rope: { theta: ropeTheta(model), dim: P } };
    buffers['cache'] = { words: R + P, perPosition: true, perLayer: true };
    const q = scratch('q', a.heads * qk);
    if (a.qLoraRank !== null) {
      const qa = scratch('qa', a.qLoraRank);
      const qn = scratch('qn', a.qLoraRank);
      attention.push(
        ...linear('q_a_proj', hn, `${L}.self_attn.q_a_proj.weight`, a.qLoraRank, H, qa),
        norm('q_a_norm', qa, `${L}.self_attn.q_a_layernorm.weight`, qn),
        ...linear('q_b_proj', qn, `${L}.self_attn.q_b_proj.weight`, a.heads * qk, a.qLoraRank, q),
      );
    } else {
      attention.push(...linear('q_proj', hn, `${L}.self_attn.q_proj.weight`, a.heads * qk, H, q));
    }
    const kva = scratch('kva', R + P);
    const qcat = scratch('qcat', a.heads * (R + P));
    const olat = scratch('olat', a.heads * R);
    const ov = scratch('o', a.heads * a.vDim);
    const wkvb = W(`${L}.self_attn.kv_b_proj.weight`);
    attention.push(
      ...linear('kv_a_proj', hn, `${L}.self_attn.kv_a_proj_with_mqa.weight`, R + P, H, kva),
      norm('kv_a_norm_to_cache', kva, `${L}.self_attn.kv_a_layernorm.weight`, 'cache', 'pos0'),
      step('rope_k_to_cache', { src: kva, cs: 'cs', dst: 'cache' }, { rows: 'T', pos0: 'pos0', dstRow0: 'pos0' }, flat('rope_k_to_cache', P / 2)),
      step('absorb_w_uk', { x: q, w: wkvb, y: qcat }, rows, flat('absorb_w_uk', a.heads * R)),
      step('rope_q', { src: q, cs: 'cs', dst: qcat }, { rows: 'T', pos0: 'pos0', dstRow0: 0 }, flat('rope_q', a.heads * (P / 2))),
      step('attention_mla', { q: qcat, kv: 'cache', out: olat }, { rows: 'T', pos0: 'pos0' }, [a.heads, perRow(1), 1]),
      step('absorb_w_uv', { x: olat, w: wkvb, y: ov }, rows, flat('absorb_w_uv', a.heads * a.vDim)),
      ...linear('o_proj', ov, `${L}.self_attn.o_proj.weight`, H, a.heads * a.vDim, attn),
    );
  } else {
    const D = a.headDim;
    const KV = a.kvHeads * D;
    buffers['cs'] = { words: D, perPosition: true, rope: { theta: ropeTheta(model), dim: D } };
    buffers['k_cache'] = { words: KV, perPosition: true, perLayer: true };
    buffers['v_cache'] = { words: KV, perPosition: true, perLayer: true };
    const q = scratch('q', a.heads * D);
    const qr = scratch('q_rope', a.heads * D);
    const k = scratch('k', KV);
    const v = scratch('v', KV);
    const ov = scratch('o', a.heads * D);
    attention.push(
      ...linear('q_proj', hn, `${L}.self_attn.q_proj.weight`, a.heads * D, H, q),
      ...linear('kv_proj', hn, `${L}.self_attn.k_proj.weight`, KV, H, k),
      ...linear('kv_proj', hn, `${L}.self_attn.v_proj.weight`, KV, H, v),
      step('rope_q', { src: q, cs: 'cs', dst: qr }, { rows: 'T', pos0: 'pos0', dstRow0: 0 }, flat('rope_q', a.heads * (D / 2))),
      step('rope_k_to_cache', { src: k, cs: 'cs', dst: 'k_cache' }, { rows: 'T', pos0: 'pos0', dstRow0: 'pos0' }, flat('rope_k_to_cache', a.kvHeads * (D / 2))),
      { copy: v, to: 'v_cache', words: KV },
      step('attention_gqa', { q: qr, k: 'k_cache', v: 'v_cache', out: ov }, { rows: 'T', pos0: 'pos0' }, [a.heads, perRow(1), 1]),
      ...linear('o_proj', ov, `${L}.self_attn.o_proj.weight`, H, a.heads * D, attn),
    );
  }
  attention.push(step('residual_add', { x: attn, y: x }, rows, flat('residual_add', H)), norm('rmsnorm_hidden', x, `${L}.post_attention_layernorm.weight`, fn));
  const residual = step('residual_add', { x: out, y: x }, rows, flat('residual_add', H));

  const moeLayers = new Set(model.moe?.layers ?? []);
  const blocks: Record<string, Step[]> = {};
  const layers: string[] = [];
  for (let l = 0; l < model.layers; l++) {
    const kind = moeLayers.has(l) ? 'moe' : 'dense';
    layers.push(kind);
    if (blocks[kind]) continue;
    if (kind === 'dense') {
      if (!model.ffn) throw new ModelRunError(`layer ${l} of \`${model.name}\` has neither an FFN nor an MoE block`);
      const F = model.ffn.intermediate;
      const g = scratch('ffn_g', 2 * F);
      const s = scratch('ffn_s', F);
      blocks[kind] = [
        ...attention,
        ...linear('ffn_gate_up', fn, { rows: [`${L}.mlp.gate_proj.weight`, `${L}.mlp.up_proj.weight`] }, 2 * F, H, g),
        step('ffn_swiglu', { g, y: s }, rows, flat('ffn_swiglu', F)),
        ...linear('ffn_down', s, `${L}.mlp.down_proj.weight`, H, F, out),
        residual,
      ];
    } else {
      const m = model.moe!;
      const E = m.routed;
      const K = m.topK;
      const I = m.expert.intermediate;
      const logits = scratch('router_logits', E);
      const idx = scratch('topk_idx', K);
      const gw = scratch('topk_w', K);
      buffers['moe_plan'] = { words: moePlanWords({ experts: E, topK: K, maxTokens: MAXT }) };
      const h = scratch('expert_h', E * I);
      const y = scratch('expert_y', E * H);
      const routerBind: Record<string, BufferRef> = { logits, idx, weights: gw };
      if (m.balance.kind === 'bias_update') routerBind['bias'] = W(`${L}.mlp.gate.e_score_correction_bias`);
      const E_ = `${L}.mlp.experts.{e}`;
      const gu = kernel('expert_gate_up');
      const dn = kernel('expert_down');
      const block: Step[] = [
        ...attention,
        step('router_logits', { a: fn, b: W(`${L}.mlp.gate.weight`), c: logits }, rows, mm('router_logits', E)),
        step('router', routerBind, rows, [perRow(1, kernel('router').workgroupSize[0]), 1, 1]),
        step('moe_plan', { idx, plan: 'moe_plan' }, rows, [cdiv(E, kernel('moe_plan').workgroupSize[0]), 1, 1]),
        step('expert_gate_up', { x: fn, plan: 'moe_plan', w: W({ experts: E, rows: [`${E_}.gate_proj.weight`, `${E_}.up_proj.weight`] }), y: h }, {}, [cdiv(I, tileConst(gu, 'TN')), cdiv(MAXT, tileConst(gu, 'TM')), E]),
        step('expert_down', { x: h, plan: 'moe_plan', w: W({ experts: E, rows: [`${E_}.down_proj.weight`] }), y }, {}, [cdiv(H, tileConst(dn, 'TN')), cdiv(MAXT, tileConst(dn, 'TM')), E]),
      ];
      if (m.shared.count > 0) {
        const Is = m.shared.count * m.shared.ffn.intermediate;
        const g = scratch('shared_g', 2 * Is);
        const s = scratch('shared_s', Is);
        const S = `${L}.mlp.shared_experts`;
        block.push(
          ...linear('shared_gate_up', fn, { rows: [`${S}.gate_proj.weight`, `${S}.up_proj.weight`] }, 2 * Is, H, g),
          step('shared_swiglu', { g, y: s }, rows, flat('shared_swiglu', Is)),
          ...linear('shared_down', s, `${S}.down_proj.weight`, H, Is, out),
        );
      } else {
        block.push({ clear: out });
      }
      block.push(step('moe_combine', { weights: gw, plan: 'moe_plan', y, out }, rows, flat('moe_combine', H)), residual);
      blocks[kind] = block;
    }
  }
  const xn = scratch('xn', H);
  const logits = scratch('logits', model.vocab);
  const epilogue: Step[] = [
    norm('rmsnorm_hidden', x, 'model.norm.weight', xn),
    step('lm_head', { a: xn, b: W(model.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'), c: logits }, rows, mm('lm_head', model.vocab)),
  ];
  return { vocab: model.vocab, maxTokens: MAXT, maxSeq: o.maxSeq, ids, logits, buffers, prologue, blocks, layers, epilogue, ...(fp8 ? { fp8 } : {}) };
}

/** Inclusive ranges of an ascending list of integers: [0,1,2,5] → [[0,2],[5,5]]. */
function ranges(xs: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const x of xs) {
    const last = out.at(-1);
    if (last && last[1] === x - 1) last[1] = x;
    else out.push([x, x]);
  }
  return out;
}

/**
 * The model's weight tensors (weights.ts tensorTable) as name patterns: layer indices become `{l}`
 * with the layers as ranges, expert indices `{e}` with the expert count — a few dozen groups for
 * DeepSeek-V3 instead of ~47,000 names. expandTensors (runtime) gives the table back.
 */
export function tensorGroups(model: ModelIR): TensorGroup[] {
  const groups = new Map<string, { name: string; shape: readonly number[]; layers: Set<number>; experts: Set<number> }>();
  for (const t of tensorTable(model)) {
    const lm = /^model\.layers\.(\d+)\./.exec(t.name);
    const em = /\.experts\.(\d+)\./.exec(t.name);
    const name = t.name.replace(/^model\.layers\.\d+\./, 'model.layers.{l}.').replace(/\.experts\.\d+\./, '.experts.{e}.');
    const key = `${name} ${t.shape.join('x')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { name, shape: t.shape, layers: new Set(), experts: new Set() }));
    if (lm) g.layers.add(Number(lm[1]));
    if (em) g.experts.add(Number(em[1]));
  }
  return [...groups.values()].map((g) => {
    const out: { name: string; shape: readonly number[]; layers?: [number, number][]; experts?: number } = { name: g.name, shape: g.shape };
    if (g.layers.size) out.layers = ranges([...g.layers].sort((x, y) => x - y));
    if (g.experts.size) out.experts = g.experts.size;
    return out;
  });
}
