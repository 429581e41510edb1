/**
 * The kernels composed into the whole TinyMoE forward (examples/tiny-moe.kas: MLA, a dense layer,
 * DeepSeekMoE layers with shared + routed experts, group-limited sigmoid routing) on Dawn: a prefill
 * of 5 tokens and 2 decode steps with the latent KV cache, compared with the CPU reference.
 * This checks the contracts of src/codegen/INTERFACE.md ("Kernels side") end to end, independently of
 * the emitted module. Tolerances: f32, |Δlogit| ≤ 1e-4 + 1e-4·|ref| (f32 sums in another order
 * through 4 layers) and the arg-max token of every row equal; FP8 (E4M3 linears, 1×128 / 128×128
 * scales, N_C = 128), |Δlogit| ≤ 2e-2 + 2e-2·|ref|: the kernels quantize bit-exactly like the reference,
 * but an activation that differs in its last f32 bit can round to the neighbouring E4M3 code (a 6–12%
 * step on that element), so small differences propagate; the FP8 logits differ from the f32 ones by
 * far more than that (checked), so the comparison still has teeth. Measured on Dawn GL ES / llvmpipe:
 * worst |Δlogit| ≈ 1.2e-5 (f32) and ≈ 1e-5 (FP8: no code flipped), logits of magnitude up to ~16.
 */
import { describe, expect, it } from 'vitest';
import { type Dispatch, type GeneratedKernel, kernelsForModel, moePlanWords } from '../../../src/codegen/kernels/index.js';
import { packE4M3, quantizeBlocks } from '../../../src/codegen/reference/fp8.js';
import { concatRows, createReferenceCache, referenceForward, ropeTheta } from '../../../src/codegen/reference/forward.js';
import { ropeTable } from '../../../src/codegen/reference/ops.js';
import { initWeights } from '../../../src/codegen/weights.js';
import { compile } from '../../../src/passes/index.js';
import { diskReader } from '../../../src/cli/shared.js';
import { bindGroup, createKernelPipeline, dispatch, paramsBuffer, readBuffer, storageBuffer } from '../../../src/gpu/kernel-runner.js';
import { deviceLimits, expectClose, gpuForTests, requireCtx, shouldRun } from './gpu-harness.js';

const gpu = await gpuForTests();

describe.runIf(shouldRun(gpu))('TinyMoE forward composed from the generated kernels', () => {
  for (const precision of ['fp32', 'fp8'] as const)
  it(`prefill + 2 decode steps match the CPU reference (${precision})`, async () => {
    const { device, cpuDriver } = requireCtx(gpu);
    const model = compile('examples/tiny-moe.kas', diskReader).ir!.models.find((m) => m.name === 'TinyMoE')!;
    const a = model.attention;
    const m = model.moe!;
    if (a.kind !== 'mla' || a.qLoraRank === null) throw new Error('TinyMoE is MLA with q_lora_rank');
    const limits = deviceLimits(device);
    const MAXT = 8;
    const CAP = 16;
    const kernels = new Map(kernelsForModel(model, limits, cpuDriver ? 'cpu' : 'gpu', { maxTokens: MAXT, maxSeq: CAP, precision }).map((k) => [k.name, k]));
    const pipelines = new Map<string, GPUComputePipeline>();
    const run = async (name: string, buffers: Record<string, GPUBuffer>, params: Record<string, number>, wg: Dispatch): Promise<void> => {
      const k: GeneratedKernel = kernels.get(name)!;
      if (!pipelines.has(name)) pipelines.set(name, await createKernelPipeline(device, k));
      const p = pipelines.get(name)!;
      dispatch(device, p, bindGroup(device, p, k, buffers, k.params.length ? paramsBuffer(device, k, params) : undefined), wg);
    };
    const cdiv = (x: number, y: number) => Math.ceil(x / y);
    const flat = (n: number, wg = 64): Dispatch => [cdiv(n, wg), 1, 1];
    const mm = (name: string, T: number, n: number, tileN = 0): Dispatch => {
      const wgsl = kernels.get(name)!.wgsl;
      const tm = Number(/const TM: u32 = (\d+)u/.exec(wgsl)![1]);
      const tn = tileN || Number(/const TN: u32 = (\d+)u/.exec(wgsl)![1]);
      return [cdiv(n, tn), cdiv(T, tm), 1];
    };

    const W = initWeights(model, 7);
    const fp8Weights = new Map<Float32Array, { bq: GPUBuffer; bscale: GPUBuffer }>();
    const f32Weights = new Map<Float32Array, GPUBuffer>();
    /** A linear layer y[T,n] = x[T,k]·Wᵀ: a matmul, or (fp8) quantize_act_k + the FP8 GEMM. */
    const lin = async (role: string, x: GPUBuffer, wData: Float32Array, T: number, n: number, k: number, y: GPUBuffer): Promise<void> => {
      if (precision === 'fp32') {
        if (!f32Weights.has(wData)) f32Weights.set(wData, storageBuffer(device, wData));
        await run(role, { a: x, b: f32Weights.get(wData)!, c: y }, { m: T }, mm(role, T, n));
        return;
      }
      if (!fp8Weights.has(wData)) {
        const q = quantizeBlocks(wData, n, k, 128);
        fp8Weights.set(wData, { bq: storageBuffer(device, packE4M3(q.codes)), bscale: storageBuffer(device, q.scales) });
      }
      const aq = buf((T * k) / 4);
      const ascale = buf(T * Math.ceil(k / 128));
      await run(`quantize_act_${k}`, { x, q: aq, scales: ascale }, {}, [Math.ceil(k / 128), T, 1]);
      await run(`${role}_fp8`, { aq, ascale, ...fp8Weights.get(wData)!, c: y }, { m: T }, mm(`${role}_fp8`, T, n));
    };
    const wd = (name: string): Float32Array => W.get(name)!.data;
    const wb = new Map<string, GPUBuffer>();
    const w = (name: string): GPUBuffer => {
      if (!wb.has(name)) wb.set(name, storageBuffer(device, W.get(name)!.data));
      return wb.get(name)!;
    };
    const H = model.hidden;
    const R = a.kvLoraRank;
    const P = a.qkRopeDim;
    const qk = a.qkNopeDim + P;
    const I = m.expert.intermediate;
    const E = m.routed;
    const K = m.topK;
    const Is = m.shared.count * m.shared.ffn.intermediate;
    const cs = storageBuffer(device, ropeTable(ropeTheta(model), P, CAP));
    const caches = Array.from({ length: model.layers }, () => storageBuffer(device, CAP * (R + P) * 4));
    const packed = new Map<number, { gu: GPUBuffer | null; down: GPUBuffer | null; sgu: Float32Array | null; dgu: Float32Array | null }>();
    for (let l = 0; l < model.layers; l++) {
      const p = `model.layers.${l}.mlp`;
      if (m.layers.includes(l)) {
        const gu = new Float32Array(E * 2 * I * H);
        const down = new Float32Array(E * H * I);
        for (let e = 0; e < E; e++) {
          gu.set(concatRows(wd(`${p}.experts.${e}.gate_proj.weight`), wd(`${p}.experts.${e}.up_proj.weight`)), e * 2 * I * H);
          down.set(wd(`${p}.experts.${e}.down_proj.weight`), e * H * I);
        }
        packed.set(l, { gu: storageBuffer(device, gu), down: storageBuffer(device, down), sgu: concatRows(wd(`${p}.shared_experts.gate_proj.weight`), wd(`${p}.shared_experts.up_proj.weight`)), dgu: null });
      } else {
        packed.set(l, { gu: null, down: null, sgu: null, dgu: concatRows(wd(`${p}.gate_proj.weight`), wd(`${p}.up_proj.weight`)) });
      }
    }
    const buf = (n: number) => storageBuffer(device, n * 4);

    const forward = async (tokens: number[], pos0: number): Promise<Float32Array> => {
      const T = tokens.length;
      const rows = { rows: T, m: T };
      const x = buf(T * H);
      await run('embedding', { ids: storageBuffer(device, Uint32Array.from(tokens)), table: w('model.embed_tokens.weight'), y: x }, rows, flat(T * H));
      for (let l = 0; l < model.layers; l++) {
        const p = `model.layers.${l}`;
        const hn = buf(T * H);
        await run('rmsnorm_hidden', { x, w: w(`${p}.input_layernorm.weight`), y: hn }, { rows: T, yRow0: 0 }, [T, 1, 1]);
        const qa = buf(T * a.qLoraRank!);
        await lin('q_a_proj', hn, wd(`${p}.self_attn.q_a_proj.weight`), T, a.qLoraRank!, H, qa);
        const qn = buf(T * a.qLoraRank!);
        await run('q_a_norm', { x: qa, w: w(`${p}.self_attn.q_a_layernorm.weight`), y: qn }, { rows: T, yRow0: 0 }, [T, 1, 1]);
        const q = buf(T * a.heads * qk);
        await lin('q_b_proj', qn, wd(`${p}.self_attn.q_b_proj.weight`), T, a.heads * qk, a.qLoraRank!, q);
        const kva = buf(T * (R + P));
        await lin('kv_a_proj', hn, wd(`${p}.self_attn.kv_a_proj_with_mqa.weight`), T, R + P, H, kva);
        await run('kv_a_norm_to_cache', { x: kva, w: w(`${p}.self_attn.kv_a_layernorm.weight`), y: caches[l]! }, { rows: T, yRow0: pos0 }, [T, 1, 1]);
        await run('rope_k_to_cache', { src: kva, cs, dst: caches[l]! }, { rows: T, pos0, dstRow0: pos0 }, flat(T * (P / 2)));
        const qcat = buf(T * a.heads * (R + P));
        await run('absorb_w_uk', { x: q, w: w(`${p}.self_attn.kv_b_proj.weight`), y: qcat }, { rows: T }, flat(T * a.heads * R));
        await run('rope_q', { src: q, cs, dst: qcat }, { rows: T, pos0, dstRow0: 0 }, flat(T * a.heads * (P / 2)));
        const olat = buf(T * a.heads * R);
        await run('attention_mla', { q: qcat, kv: caches[l]!, out: olat }, { rows: T, pos0 }, [a.heads, T, 1]);
        const o = buf(T * a.heads * a.vDim);
        await run('absorb_w_uv', { x: olat, w: w(`${p}.self_attn.kv_b_proj.weight`), y: o }, { rows: T }, flat(T * a.heads * a.vDim));
        const attn = buf(T * H);
        await lin('o_proj', o, wd(`${p}.self_attn.o_proj.weight`), T, H, a.heads * a.vDim, attn);
        await run('residual_add', { x: attn, y: x }, { rows: T }, flat(T * H));
        const fn = buf(T * H);
        await run('rmsnorm_hidden', { x, w: w(`${p}.post_attention_layernorm.weight`), y: fn }, { rows: T, yRow0: 0 }, [T, 1, 1]);
        const pk = packed.get(l)!;
        const out = buf(T * H);
        if (!m.layers.includes(l)) {
          const F = model.ffn!.intermediate;
          const g = buf(T * 2 * F);
          await lin('ffn_gate_up', fn, pk.dgu!, T, 2 * F, H, g);
          const s = buf(T * F);
          await run('ffn_swiglu', { g, y: s }, { rows: T }, flat(T * F));
          await lin('ffn_down', s, wd(`${p}.mlp.down_proj.weight`), T, H, F, out);
        } else {
          const logits = buf(T * E);
          await run('router_logits', { a: fn, b: w(`${p}.mlp.gate.weight`), c: logits }, rows, mm('router_logits', T, E));
          const idx = buf(T * K);
          const gw = buf(T * K);
          await run('router', { logits, bias: w(`${p}.mlp.gate.e_score_correction_bias`), idx, weights: gw }, { rows: T }, flat(T));
          const plan = buf(moePlanWords({ experts: E, topK: K, maxTokens: MAXT }));
          await run('moe_plan', { idx, plan }, { rows: T }, flat(E));
          const h = buf(E * MAXT * I);
          const gu = kernels.get('expert_gate_up')!.wgsl;
          const tm = Number(/const TM: u32 = (\d+)u/.exec(gu)![1]);
          const tn = Number(/const TN: u32 = (\d+)u/.exec(gu)![1]);
          await run('expert_gate_up', { x: fn, plan, w: pk.gu!, y: h }, {}, [cdiv(I, tn), cdiv(MAXT, tm), E]);
          const y = buf(E * MAXT * H);
          const dn = kernels.get('expert_down')!.wgsl;
          await run('expert_down', { x: h, plan, w: pk.down!, y }, {}, [cdiv(H, Number(/const TN: u32 = (\d+)u/.exec(dn)![1])), cdiv(MAXT, Number(/const TM: u32 = (\d+)u/.exec(dn)![1])), E]);
          const g = buf(T * 2 * Is);
          await lin('shared_gate_up', fn, pk.sgu!, T, 2 * Is, H, g);
          const s = buf(T * Is);
          await run('shared_swiglu', { g, y: s }, { rows: T }, flat(T * Is));
          await lin('shared_down', s, wd(`${p}.mlp.shared_experts.down_proj.weight`), T, H, Is, out);
          await run('moe_combine', { weights: gw, plan, y, out }, { rows: T }, flat(T * H));
        }
        await run('residual_add', { x: out, y: x }, { rows: T }, flat(T * H));
      }
      const xn = buf(T * H);
      await run('rmsnorm_hidden', { x, w: w('model.norm.weight'), y: xn }, { rows: T, yRow0: 0 }, [T, 1, 1]);
      const logits = buf(T * model.vocab);
      await run('lm_head', { a: xn, b: w('model.embed_tokens.weight'), c: logits }, rows, mm('lm_head', T, model.vocab));
      return new Float32Array(await readBuffer(device, logits, T * model.vocab * 4));
    };

    const cache = createReferenceCache(model, CAP);
    const f32Cache = createReferenceCache(model, CAP);
    const steps: number[][] = [[5, 900, 17, 333, 64], [7], [1000]];
    let pos = 0;
    for (const tokens of steps) {
      const got = await forward(tokens, pos);
      const want = referenceForward(model, W, tokens, cache, { precision });
      const tol = precision === 'fp32' ? 1e-4 : 2e-2;
      expectClose(got, want, tol, tol, `logits at positions ${pos}..${pos + tokens.length - 1}`);
      if (precision === 'fp32') {
        for (let t = 0; t < tokens.length; t++) {
          const row = (v: Float32Array) => v.subarray(t * model.vocab, (t + 1) * model.vocab);
          const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
          expect(argmax(row(got))).toBe(argmax(row(want)));
        }
      } else {
        // the comparison must discriminate: FP8 moves the logits far more than the tolerance
        const f32 = referenceForward(model, W, tokens, f32Cache);
        let far = 0;
        for (let i = 0; i < want.length; i++) far = Math.max(far, Math.abs(want[i]! - f32[i]!));
        expect(far).toBeGreaterThan(10 * tol);
      }
      pos += tokens.length;
    }
  });
});
