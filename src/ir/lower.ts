/**
 * Checked declarations → typed IR. Lowering reads values the checker has already validated; where a
 * value is missing (its error was reported), the declaration is left out rather than guessed.
 */
import type { CheckedBody, CheckedDecl, CheckedProgram, Value } from '../semantics/evaluate.js';
import { bool, enumName, num, variant } from '../semantics/evaluate.js';
import { selectedLayers } from '../semantics/check.js';
import { PEAK_DTYPES, TRAIN, type BlockSchema } from '../semantics/schema.js';
import type { Attention, Ffn, ModelIR, Moe, Rope } from './model.js';
import type { ClusterIR, GpuIR, Network, NodeIR, PeakDtype } from './hardware.js';
import type { BalanceSimSettings, DeploymentIR, Parallel, PlacementSpec, Precision, ProgramIR, RoutingSettings, TrainReference } from './deploy.js';
import { DiagnosticSink, type Span } from '../diagnostics/diagnostic.js';
import { resolveSearch } from '../semantics/check-search.js';
import type { SearchIR } from './search.js';

/** Thrown inside lowering only, when a required value is absent; caught per declaration. */
class Absent extends Error {}

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Absent();
  return v;
}

function orNull<T>(v: T | undefined): T | null {
  return v === undefined ? null : v;
}

/** A number of an optional block: its value when the block is written, else the schema's default. */
function blockNum(b: CheckedBody | undefined, schema: BlockSchema, field: string): number | undefined {
  if (b) return num(b, field);
  const d = schema.fields[field]?.default;
  return typeof d === 'number' ? d : undefined;
}

function routingSettings(b: CheckedBody | undefined): RoutingSettings {
  const schema = TRAIN.blocks!['routing']!.schema;
  const get = (f: string) => blockNum(b, schema, f);
  return { skew: need(get('skew')), samples: need(get('samples')), seed: need(get('seed')), ibBudget: orNull(get('ib_budget')) };
}

/** `placement { … }`: loads (a file or a synthetic distribution), slots, policy; null when absent. */
function placementSpec(b: CheckedBody | undefined): PlacementSpec | null {
  if (!b) return null;
  const loads = b.values.get('loads');
  const syn = variant(b, 'synthetic');
  return {
    loads: loads?.k === 'str' ? loads.v : null,
    synthetic: !syn ? null : syn.name === 'zipf' ? { kind: 'zipf', exponent: num(syn.body, 'exponent') ?? 1 } : { kind: 'lognormal', sigma: num(syn.body, 'sigma') ?? 1 },
    seed: num(b, 'seed') ?? 1,
    slots: orNull(num(b, 'slots')),
    policy: (enumName(b, 'policy') ?? 'default') as PlacementSpec['policy'],
    span: b.headerSpan,
  };
}

function balanceSimSettings(b: CheckedBody | undefined, tokensPerStep: number): BalanceSimSettings {
  const schema = TRAIN.blocks!['balance_sim']!.schema;
  const get = (f: string) => blockNum(b, schema, f);
  return { steps: need(get('steps')), tokens: get('tokens') ?? tokensPerStep, skew: need(get('skew')), drift: need(get('drift')), seed: need(get('seed')), tolerance: need(get('tolerance')) };
}

/** `train { reference { … } }`: published figures to compare the training model with; null when absent. */
function trainReference(b: CheckedBody | undefined): TrainReference | null {
  if (!b) return null;
  const source = b.values.get('source');
  return {
    stepSeconds: orNull(num(b, 'step')),
    mfu: orNull(num(b, 'mfu')),
    mfuCausal: orNull(num(b, 'mfu_causal')),
    tokensPerDay: orNull(num(b, 'tokens_per_day')),
    source: source?.k === 'str' ? source.v : null,
  };
}

function ropeOf(b: CheckedBody | undefined): Rope | null {
  if (!b) return null;
  const s = need(variant(b, 'scaling'));
  const f = (name: string) => need(num(s.body, name));
  let scaling: Rope['scaling'];
  if (s.name === 'linear' || s.name === 'dynamic') scaling = { kind: s.name, factor: f('factor') };
  else if (s.name === 'yarn') {
    scaling = { kind: 'yarn', factor: f('factor'), originalContext: f('original_context'), betaFast: f('beta_fast'), betaSlow: f('beta_slow'), mscale: f('mscale'), mscaleAllDim: f('mscale_all_dim') };
  } else if (s.name === 'llama3') {
    scaling = { kind: 'llama3', factor: f('factor'), originalContext: f('original_context'), lowFreqFactor: f('low_freq_factor'), highFreqFactor: f('high_freq_factor') };
  } else scaling = { kind: 'none' };
  return { theta: need(num(b, 'theta')), scaling };
}

function ffn(v: { name: string; body: CheckedBody }): Ffn {
  return { kind: v.name as Ffn['kind'], intermediate: need(num(v.body, 'intermediate')), bias: bool(v.body, 'bias') ?? false };
}

export class Lowerer {
  private readonly memo = new Map<CheckedDecl, unknown>();

  constructor(private readonly checked: CheckedProgram) {}

  private ref(v: Value | undefined): CheckedDecl {
    const r = v?.k === 'ref' ? v : v?.k === 'count' && v.item?.k === 'ref' ? v.item : undefined;
    if (!r || r.decl.kind !== 'block') throw new Absent();
    return need(this.checked.byDecl.get(r.decl.decl));
  }

  private cached<T>(d: CheckedDecl, build: () => T): T {
    if (this.memo.has(d)) {
      const m = this.memo.get(d);
      if (m === undefined) throw new Absent();
      return m as T;
    }
    try {
      const v = build();
      this.memo.set(d, v);
      return v;
    } catch (e) {
      if (e instanceof Absent) this.memo.set(d, undefined);
      throw e;
    }
  }

  /** Lowers a declaration, or returns undefined when its errors leave it incomplete. */
  tryLower<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (e instanceof Absent) return undefined;
      throw e;
    }
  }

  /** A `search` block: resolved by the same function that checked it (a scratch sink: it is clean now). */
  search(d: CheckedDecl): SearchIR {
    return this.cached(d, () => {
      const resolved = need(resolveSearch(d, new DiagnosticSink()));
      const target = d.body.values.get('target');
      return { ...resolved, span: d.decl.span, target: target ? this.gpu(this.ref(target)) : null };
    });
  }

  model(d: CheckedDecl): ModelIR {
    return this.cached(d, () => {
      const b = d.body;
      const hidden = need(num(b, 'hidden'));
      const layers = need(num(b, 'layers'));
      const a = need(variant(b, 'attention'));
      let attention: Attention;
      if (a.name === 'mla') {
        attention = {
          kind: 'mla',
          heads: need(num(a.body, 'heads')),
          qLoraRank: orNull(num(a.body, 'q_lora_rank')),
          kvLoraRank: need(num(a.body, 'kv_lora_rank')),
          qkNopeDim: need(num(a.body, 'qk_nope_dim')),
          qkRopeDim: need(num(a.body, 'qk_rope_dim')),
          vDim: need(num(a.body, 'v_dim')),
        };
      } else {
        const heads = need(num(a.body, 'heads'));
        const headDim = num(a.body, 'head_dim') ?? hidden / heads;
        if (!Number.isInteger(headDim)) throw new Absent();
        attention = {
          kind: a.name as 'mha' | 'gqa' | 'mqa',
          heads,
          kvHeads: a.name === 'gqa' ? need(num(a.body, 'kv_heads')) : a.name === 'mqa' ? 1 : heads,
          headDim,
          qkvBias: bool(a.body, 'qkv_bias') ?? false,
          oBias: bool(a.body, 'o_bias') ?? false,
        };
      }
      const norm = need(variant(b, 'norm'));
      const moeBody = b.blocks.get('moe');
      let moe: Moe | null = null;
      if (moeBody) {
        const expert = ffn(need(variant(moeBody, 'expert')));
        const sharedV = moeBody.values.get('shared');
        const shared = sharedV?.k === 'count' ? { count: sharedV.n, ffn: sharedV.item?.k === 'variant' ? ffn(sharedV.item) : expert } : { count: 0, ffn: expert };
        const router = need(variant(moeBody, 'router'));
        const groups = moeBody.values.get('groups');
        const balance = need(variant(moeBody, 'balance'));
        moe = {
          layers: selectedLayers(moeBody, layers),
          routed: need(num(moeBody, 'routed')),
          expert,
          shared,
          topK: need(num(moeBody, 'top_k')),
          sharedGate: bool(moeBody, 'shared_gate') ?? false,
          router: { score: router.name as 'softmax' | 'sigmoid', scale: need(num(router.body, 'scale')), normalize: need(bool(router.body, 'normalize')) },
          groups: groups?.k === 'choose' ? { count: groups.of, choose: groups.choose } : null,
          balance:
            balance.name === 'aux_loss'
              ? { kind: 'aux_loss', alpha: need(num(balance.body, 'alpha')), sequence: bool(balance.body, 'sequence') ?? false }
              : balance.name === 'bias_update'
                ? { kind: 'bias_update', rate: need(num(balance.body, 'rate')) }
                : { kind: 'none' },
        };
      }
      const ffnV = variant(b, 'ffn');
      const mtp = b.blocks.get('mtp');
      return {
        name: d.name,
        span: d.decl.name.span,
        vocab: need(num(b, 'vocab')),
        hidden,
        layers,
        norm: { kind: norm.name as 'rmsnorm' | 'layernorm', eps: need(num(norm.body, 'eps')) },
        tiedEmbeddings: bool(b, 'tied_embeddings') ?? false,
        context: orNull(num(b, 'context')),
        attention,
        ffn: ffnV ? ffn(ffnV) : null,
        moe,
        mtpDepth: mtp ? need(num(mtp, 'depth')) : 0,
        rope: ropeOf(b.blocks.get('rope')),
      };
    });
  }

  gpu(d: CheckedDecl): GpuIR {
    return this.cached(d, () => {
      const b = d.body;
      const peakBody = b.blocks.get('peak');
      const peak: Partial<Record<PeakDtype, number>> = {};
      for (const dt of PEAK_DTYPES) {
        const v = peakBody ? num(peakBody, dt) : undefined;
        if (v !== undefined) peak[dt] = v;
      }
      const eff = b.blocks.get('efficiency');
      const acc = b.blocks.get('accumulate');
      return {
        name: d.name,
        span: d.decl.name.span,
        memoryBytes: need(num(b, 'memory')),
        hbmBytesPerSecond: need(num(b, 'bandwidth')),
        peak,
        sms: orNull(num(b, 'sms')),
        commSms: num(b, 'comm_sms') ?? 0,
        fp8Accumulator: ((acc && enumName(acc, 'fp8')) ?? 'fp32') as 'fp22' | 'fp32',
        fp8InstructionK: orNull(acc && num(acc, 'fp8_k')),
        efficiency: {
          compute: orNull(eff && num(eff, 'compute')),
          fp8: orNull(eff && num(eff, 'fp8')),
          attention: orNull(eff && num(eff, 'attention')),
          memory: orNull(eff && num(eff, 'memory')),
        },
        priceUSD: orNull(num(b, 'price')),
      };
    });
  }

  node(d: CheckedDecl): NodeIR {
    return this.cached(d, () => {
      const b = d.body;
      const gpu = this.gpu(this.ref(b.values.get('gpus')));
      const s = need(variant(b, 'scaleup'));
      const link = { bandwidth: need(num(s.body, 'bandwidth')), achievable: orNull(num(s.body, 'achievable')), latency: orNull(num(s.body, 'latency')) };
      const gpuCount = need(num(b, 'gpus'));
      const scaleup: NodeIR['scaleup'] =
        s.name === 'nvlink' ? { kind: 'nvlink', domain: num(s.body, 'domain') ?? gpuCount, ...link } : { kind: 'pcie', bridge: orNull(num(s.body, 'bridge')), ...link };
      const nics = b.values.get('nics');
      if (nics?.k !== 'count' || nics.item?.k !== 'variant') throw new Absent();
      const nb = nics.item.body;
      return {
        name: d.name,
        span: d.decl.name.span,
        gpu,
        gpuCount,
        scaleup,
        nic: { kind: nics.item.name as 'ib' | 'roce' | 'ethernet', count: nics.n, bandwidth: need(num(nb, 'bandwidth')), effective: orNull(num(nb, 'effective')), latency: orNull(num(nb, 'latency')) },
        priceUSD: orNull(num(b, 'price')),
      };
    });
  }

  cluster(d: CheckedDecl): ClusterIR {
    return this.cached(d, () => {
      const b = d.body;
      const node = this.node(this.ref(b.values.get('nodes')));
      const nodeCount = need(num(b, 'nodes'));
      const n = need(variant(b, 'network'));
      const common = { radix: need(num(n.body, 'radix')), switchPrice: orNull(num(n.body, 'switch_price')), linkPrice: orNull(num(n.body, 'link_price')) };
      let network: Network;
      if (n.name === 'fat_tree') {
        network = { kind: 'fat_tree', ...common, levels: need(num(n.body, 'levels')) as 2 | 3, planes: need(num(n.body, 'planes')), rails: need(num(n.body, 'rails')), zones: need(num(n.body, 'zones')), interzoneSwitches: need(num(n.body, 'interzone_switches')), interzoneLinks: need(num(n.body, 'interzone_links')) };
      } else if (n.name === 'slim_fly') {
        network = { kind: 'slim_fly', ...common, q: orNull(num(n.body, 'q')) };
      } else {
        network = { kind: 'dragonfly', ...common, groups: orNull(num(n.body, 'groups')) };
      }
      return { name: d.name, span: d.decl.name.span, node, nodeCount, gpus: nodeCount * node.gpuCount, network };
    });
  }

  private parallel(b: CheckedBody | undefined, gpus: number): Parallel {
    const get = (f: string, dflt: number) => (b ? num(b, f) ?? dflt : dflt);
    const pipeline = get('pipeline', 1);
    const tensor = get('tensor', 1);
    const dataV = b?.values.get('data');
    const dataAuto = dataV === undefined || dataV.k === 'auto';
    const data = dataAuto ? Math.floor(gpus / (pipeline * tensor)) : need(num(b!, 'data'));
    return {
      pipeline,
      schedule: ((b && enumName(b, 'schedule')) ?? '1f1b') as Parallel['schedule'],
      virtualStages: get('virtual_stages', 1),
      expert: get('expert', 1),
      tensor,
      data,
      dataAuto,
      zero: get('zero', 1),
      sequenceParallel: (b && bool(b, 'sequence_parallel')) ?? false,
      microBatch: get('micro_batch', 1),
    };
  }

  deployment(d: CheckedDecl): DeploymentIR {
    return this.cached(d, () => {
      const b = d.body;
      const model = this.model(this.ref(b.values.get('model')));
      const cluster = this.cluster(this.ref(b.values.get('on')));
      const parallel = this.parallel(b.blocks.get('parallel'), cluster.gpus);
      const routing = b.blocks.get('routing');
      const maxNodes = orNull(routing && num(routing, 'max_nodes'));
      const spans: Record<string, Span> = Object.fromEntries(b.fieldSpans);
      for (const [block, body] of b.blocks) {
        spans[block] = body.headerSpan;
        for (const [f, sp] of body.fieldSpans) spans[`${block}.${f}`] = sp;
      }
      const common = { name: d.name, span: d.decl.name.span, spans, model, cluster, parallel, maxNodes, routing: routingSettings(routing), placement: placementSpec(b.blocks.get('placement')) };
      if (d.keyword === 'train') {
        const sequence = need(num(b, 'sequence'));
        const batch = need(num(b, 'batch'));
        const balanceSim = balanceSimSettings(b.blocks.get('balance_sim'), batch * sequence);
        const p = need(variant(b, 'precision'));
        let precision: Precision;
        if (p.name === 'fp8') {
          const tile = (f: string): [number, number] => {
            const v = p.body.values.get(f);
            if (v?.k !== 'shape') throw new Absent();
            return [v.rows, v.cols];
          };
          precision = { kind: 'fp8', activationTile: tile('activations'), weightBlock: tile('weights'), promoteInterval: need(num(p.body, 'promote')) };
        } else precision = { kind: p.name as 'bf16' | 'auto' };
        return {
          kind: 'train',
          ...common,
          sequence,
          batch,
          tokens: orNull(num(b, 'tokens')),
          precision,
          recompute: need(enumName(b, 'recompute')) as 'none' | 'selective' | 'full',
          reference: trainReference(b.blocks.get('reference')),
          balanceSim,
        };
      }
      return {
        kind: 'serve',
        ...common,
        phase: need(enumName(b, 'phase')) as 'decode' | 'prefill',
        tokensPerDevice: orNull(num(b, 'tokens_per_device')),
        context: orNull(num(b, 'context')),
        weights: need(enumName(b, 'weights')),
        kvCache: need(enumName(b, 'kv_cache')),
        dispatch: need(enumName(b, 'dispatch')),
        combine: need(enumName(b, 'combine')),
        overlap: need(enumName(b, 'overlap')) as 'none' | 'dual_microbatch',
      };
    });
  }
}

/**
 * Lowers what the entry file declares, plus every model and cluster its deployments use. Imported
 * declarations that nothing uses stay out of the report.
 */
export function lowerProgram(checked: CheckedProgram): ProgramIR {
  const l = new Lowerer(checked);
  const entry = checked.decls.filter((d) => d.file === checked.program.entry);
  const models = new Map<string, ModelIR>();
  const gpus = new Map<string, GpuIR>();
  const nodes = new Map<string, NodeIR>();
  const clusters = new Map<string, ClusterIR>();
  const deployments: DeploymentIR[] = [];
  const searches: SearchIR[] = [];
  const addCluster = (c: ClusterIR) => {
    clusters.set(c.name, c);
    nodes.set(c.node.name, c.node);
    gpus.set(c.node.gpu.name, c.node.gpu);
  };
  for (const d of entry) {
    switch (d.keyword) {
      case 'model': {
        const m = l.tryLower(() => l.model(d));
        if (m) models.set(m.name, m);
        break;
      }
      case 'gpu': {
        const g = l.tryLower(() => l.gpu(d));
        if (g) gpus.set(g.name, g);
        break;
      }
      case 'node': {
        const n = l.tryLower(() => l.node(d));
        if (n) {
          nodes.set(n.name, n);
          gpus.set(n.gpu.name, n.gpu);
        }
        break;
      }
      case 'cluster': {
        const c = l.tryLower(() => l.cluster(d));
        if (c) addCluster(c);
        break;
      }
      case 'train':
      case 'serve': {
        const dep = l.tryLower(() => l.deployment(d));
        if (dep) {
          deployments.push(dep);
          models.set(dep.model.name, dep.model);
          addCluster(dep.cluster);
        }
        break;
      }
      case 'search': {
        const s = l.tryLower(() => l.search(d));
        if (s) searches.push(s);
        break;
      }
    }
  }
  // Source order (entry declarations first, then what deployments pull in) is stable and reads naturally.
  const byName = <T,>(m: Map<string, T>) => [...m.values()];
  return { models: byName(models), gpus: byName(gpus), nodes: byName(nodes), clusters: byName(clusters), deployments, ...(searches.length ? { searches } : {}) };
}
