/**
 * What each block of the language may contain: fields, their types, units, ranges, defaults and a line
 * of documentation. The grammar is generic (`name = value`, `name { … }`); this table gives it meaning.
 * The checker, hover, completion and docs/language.md all read it.
 */
import { BYTES, BYTES_PER_SECOND, DIMENSIONLESS, FLOP, FLOP_PER_SECOND, SECONDS, USD, type Dimension } from './units.js';
import type { DeclarationKeyword } from '../syntax/tokens.js';

export type FieldType =
  | { readonly t: 'int'; readonly min?: number; readonly max?: number }
  | { readonly t: 'real'; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean }
  | { readonly t: 'quantity'; readonly dim: Dimension; readonly min?: number }
  | { readonly t: 'bool' }
  | { readonly t: 'string' }
  | { readonly t: 'shape' }
  | { readonly t: 'enum'; readonly values: readonly string[] }
  /** A named choice, optionally with settings: `sigmoid` or `sigmoid { scale = 2.5 }`. */
  | { readonly t: 'variant'; readonly variants: Readonly<Record<string, BlockSchema>> }
  | { readonly t: 'ref'; readonly kind: DeclarationKeyword }
  /** `8 x H800`, `8 x ib { … }`; with `countOnly`, a bare count is allowed too (`shared = 1`). */
  | { readonly t: 'count'; readonly item: FieldType; readonly countOnly?: boolean }
  /** `8 choose 4` */
  | { readonly t: 'choose' }
  /** An integer or `auto` (derived from the rest of the deployment). */
  | { readonly t: 'intOrAuto'; readonly min?: number }
  /** `[a, b, c]`; with `single`, one item without brackets is a list of one. */
  | { readonly t: 'list'; readonly item: FieldType; readonly single?: boolean; readonly min?: number }
  /** A symbolic size of a `search`: a product or quotient of its size variables and numbers (`C/g`, `2*k`). */
  | { readonly t: 'size' }
  /** A named reference operator of the search library (`dense`, `depthwise_conv1d`). */
  | { readonly t: 'operator' }
  /** A cost budget: an absolute figure of `dim`, or a multiple of a reference operator's cost (`0.5 * dense`). */
  | { readonly t: 'budget'; readonly dim: Dimension };

export interface FieldSpec {
  readonly type: FieldType;
  readonly doc: string;
  readonly required?: boolean;
  /** The value used when the field is absent (in the field's own unit system: SI base units). */
  readonly default?: number | boolean | string;
}

export interface SubBlockSpec {
  readonly schema: BlockSchema;
  readonly doc: string;
  /** The selector name a block accepts (`layers` in `moe layers[3..] { … }`). */
  readonly selector?: string;
}

export interface BlockSchema {
  /** What the block is called in messages: "`mla` attention", "model `X`". */
  readonly title: string;
  readonly doc: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly blocks?: Readonly<Record<string, SubBlockSpec>>;
  /** A block whose field names the user chooses (`sizes { C = 64  L = 1024 }`): each takes this type. */
  readonly anyField?: { readonly spec: FieldSpec; readonly what: string };
}

/** The spec of field `name` in `schema`: a listed field, or the block's free-form field type. */
export function fieldSpecOf(schema: BlockSchema | undefined, name: string): FieldSpec | undefined {
  return schema?.fields[name] ?? schema?.anyField?.spec;
}

const int = (min = 1, max?: number): FieldType => ({ t: 'int', min, ...(max !== undefined ? { max } : {}) });
const ratio: FieldType = { t: 'real', min: 0, max: 1, exclusiveMin: true };
const quantity = (dim: Dimension): FieldType => ({ t: 'quantity', dim, min: 0 });
const bool: FieldType = { t: 'bool' };

export const DTYPES = ['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'e4m3', 'e5m2', 'int8', 'int4', 'fp4'] as const;
const dtype: FieldType = { t: 'enum', values: DTYPES };

// ── model ────────────────────────────────────────────────────────────────────

const ffnVariants = (what: string): Record<string, BlockSchema> => ({
  swiglu: {
    title: '`swiglu` FFN',
    doc: `a gated ${what}: up, gate and down projections with SiLU (three matrices)`,
    fields: { intermediate: { type: int(), required: true, doc: 'inner width of the FFN (intermediate_size)' } },
  },
  gelu: {
    title: '`gelu` FFN',
    doc: `a plain ${what}: up and down projections with GeLU (two matrices)`,
    fields: {
      intermediate: { type: int(), required: true, doc: 'inner width of the FFN' },
      bias: { type: bool, default: false, doc: 'whether the projections have biases' },
    },
  },
});

const headFields = {
  heads: { type: int(), required: true, doc: 'query heads (num_attention_heads)' },
  head_dim: { type: int(), doc: 'width of one head; defaults to hidden / heads' },
  qkv_bias: { type: bool, default: false, doc: 'biases on the q, k and v projections (Qwen2)' },
  o_bias: { type: bool, default: false, doc: 'a bias on the output projection' },
} satisfies Record<string, FieldSpec>;

export const ATTENTION: FieldType = {
  t: 'variant',
  variants: {
    mha: { title: '`mha` attention', doc: 'multi-head attention: one key/value head per query head', fields: headFields },
    gqa: {
      title: '`gqa` attention',
      doc: 'grouped-query attention: query heads share fewer key/value heads',
      fields: { ...headFields, kv_heads: { type: int(), required: true, doc: 'key/value heads (num_key_value_heads)' } },
    },
    mqa: { title: '`mqa` attention', doc: 'multi-query attention: one key/value head', fields: headFields },
    mla: {
      title: '`mla` attention',
      doc: 'multi-head latent attention (DeepSeek-V2/V3): keys and values compressed into a latent',
      fields: {
        heads: { type: int(), required: true, doc: 'query heads' },
        q_lora_rank: { type: int(), doc: 'rank of the query compression; absent means queries are not compressed' },
        kv_lora_rank: { type: int(), required: true, doc: 'rank of the key/value latent that is cached' },
        qk_nope_dim: { type: int(), required: true, doc: 'per-head query/key width without position encoding' },
        qk_rope_dim: { type: int(), required: true, doc: 'per-head decoupled RoPE width (the rope key is shared by all heads and cached)' },
        v_dim: { type: int(), required: true, doc: 'per-head value width' },
      },
    },
  },
};

const routerFields = (normalizeDefault: boolean): Record<string, FieldSpec> => ({
  scale: { type: { t: 'real', min: 0, exclusiveMin: true }, default: 1, doc: 'routed scaling factor applied to the gate weights' },
  normalize: { type: bool, default: normalizeDefault, doc: 'normalize the chosen experts’ gate weights to sum to 1' },
});

export const MOE: BlockSchema = {
  title: '`moe` block',
  doc: 'a DeepSeekMoE-style mixture of experts replacing the dense FFN on the selected layers',
  fields: {
    routed: { type: int(), required: true, doc: 'routed experts (n_routed_experts)' },
    expert: { type: { t: 'variant', variants: ffnVariants('routed expert') }, required: true, doc: 'the FFN of one routed expert' },
    shared: {
      type: { t: 'count', item: { t: 'variant', variants: ffnVariants('shared expert') }, countOnly: true },
      default: 0,
      doc: 'shared experts, always active: `1` (routed width) or `1 x swiglu { intermediate = 5632 }`',
    },
    top_k: { type: int(), required: true, doc: 'routed experts each token activates (num_experts_per_tok)' },
    shared_gate: { type: bool, default: false, doc: 'a sigmoid gate (hidden → 1) scaling the shared experts’ output (Qwen2-MoE shared_expert_gate): hidden parameters per MoE layer' },
    router: {
      type: {
        t: 'variant',
        variants: {
          softmax: { title: '`softmax` router', doc: 'softmax affinity over all experts', fields: routerFields(false) },
          sigmoid: { title: '`sigmoid` router', doc: 'per-expert sigmoid affinity (DeepSeek-V3)', fields: routerFields(true) },
        },
      },
      default: 'softmax',
      doc: 'how token-to-expert affinity is scored',
    },
    groups: { type: { t: 'choose' }, doc: 'group-limited routing: `8 choose 4` keeps the best 4 of 8 expert groups per token' },
    balance: {
      type: {
        t: 'variant',
        variants: {
          none: { title: '`none` balancing', doc: 'no load balancing', fields: {} },
          aux_loss: {
            title: '`aux_loss` balancing',
            doc: 'an auxiliary balance loss',
            fields: {
              alpha: { type: { t: 'real', min: 0 }, required: true, doc: 'weight of the balance loss' },
              sequence: { type: bool, default: false, doc: 'computed per sequence rather than per batch' },
            },
          },
          bias_update: {
            title: '`bias_update` balancing',
            doc: 'auxiliary-loss-free balancing: a per-expert bias steers top-k selection',
            fields: { rate: { type: { t: 'real', min: 0 }, required: true, doc: 'bias update speed u' } },
          },
        },
      },
      default: 'none',
      doc: 'load-balancing method',
    },
  },
};

const ropeFactor: FieldSpec = { type: { t: 'real', min: 0, exclusiveMin: true }, required: true, doc: 'context extension factor' };
const originalContext: FieldSpec = { type: int(), required: true, doc: 'context length the model was pre-trained at (original_max_position_embeddings)' };

/** Rotary position embedding. No parameters and no KV-cache effect: it is carried for configs and engines. */
export const ROPE: BlockSchema = {
  title: '`rope` block',
  doc: 'rotary position embedding (rope_theta, rope_scaling)',
  fields: {
    theta: { type: { t: 'real', min: 0, exclusiveMin: true }, default: 10000, doc: 'base frequency (rope_theta)' },
    scaling: {
      type: {
        t: 'variant',
        variants: {
          none: { title: '`none` scaling', doc: 'no context extension', fields: {} },
          linear: { title: '`linear` scaling', doc: 'position interpolation: positions divided by `factor`', fields: { factor: ropeFactor } },
          dynamic: { title: '`dynamic` scaling', doc: 'dynamic NTK scaling', fields: { factor: ropeFactor } },
          yarn: {
            title: '`yarn` scaling',
            doc: 'YaRN (DeepSeek-V2/V3)',
            fields: {
              factor: ropeFactor,
              original_context: originalContext,
              beta_fast: { type: { t: 'real', min: 0 }, default: 32, doc: 'YaRN β_fast' },
              beta_slow: { type: { t: 'real', min: 0 }, default: 1, doc: 'YaRN β_slow' },
              mscale: { type: { t: 'real', min: 0 }, default: 1, doc: 'attention-temperature scale' },
              mscale_all_dim: { type: { t: 'real', min: 0 }, default: 0, doc: 'attention-temperature scale over all dimensions' },
            },
          },
          llama3: {
            title: '`llama3` scaling',
            doc: 'Llama 3.1 frequency-dependent scaling',
            fields: {
              factor: ropeFactor,
              original_context: originalContext,
              low_freq_factor: { type: { t: 'real', min: 0 }, default: 1, doc: 'low-frequency factor' },
              high_freq_factor: { type: { t: 'real', min: 0 }, default: 4, doc: 'high-frequency factor' },
            },
          },
        },
      },
      default: 'none',
      doc: 'context-extension scaling (rope_scaling)',
    },
  },
};

export const MODEL: BlockSchema = {
  title: 'model',
  doc: 'an LLM architecture',
  fields: {
    vocab: { type: int(), required: true, doc: 'vocabulary size (vocab_size)' },
    hidden: { type: int(), required: true, doc: 'model width (hidden_size)' },
    layers: { type: int(), required: true, doc: 'transformer layers (num_hidden_layers), MTP modules not included' },
    norm: {
      type: {
        t: 'variant',
        variants: {
          rmsnorm: { title: '`rmsnorm`', doc: 'RMS normalization (a scale vector)', fields: { eps: { type: { t: 'real', min: 0 }, default: 1e-6, doc: 'epsilon' } } },
          layernorm: {
            title: '`layernorm`',
            doc: 'layer normalization (scale and bias vectors)',
            fields: { eps: { type: { t: 'real', min: 0 }, default: 1e-5, doc: 'epsilon' } },
          },
        },
      },
      default: 'rmsnorm',
      doc: 'normalization used before attention, before the FFN and at the end',
    },
    tied_embeddings: { type: bool, default: false, doc: 'the output head shares the embedding matrix' },
    context: { type: int(), doc: 'longest sequence the model supports (max_position_embeddings)' },
    attention: { type: ATTENTION, required: true, doc: 'attention kind and shape' },
    ffn: { type: { t: 'variant', variants: ffnVariants('dense FFN') }, doc: 'the FFN of dense (non-MoE) layers' },
  },
  blocks: {
    moe: { schema: MOE, selector: 'layers', doc: 'mixture of experts on `layers[a..b step n]` (all layers when no selector)' },
    rope: { schema: ROPE, doc: 'rotary position embedding: base frequency and context-extension scaling' },
    mtp: {
      schema: {
        title: '`mtp` block',
        doc: 'multi-token prediction modules (DeepSeek-V3), reported apart from the main model',
        fields: { depth: { type: int(), default: 1, doc: 'extra tokens predicted, one module each' } },
      },
      doc: 'multi-token prediction',
    },
  },
};

// ── hardware ─────────────────────────────────────────────────────────────────

export const PEAK_DTYPES = ['fp4', 'fp8', 'int8', 'fp16', 'bf16', 'tf32', 'fp32', 'fp64'] as const;

export const GPU: BlockSchema = {
  title: 'gpu',
  doc: 'an accelerator',
  fields: {
    memory: { type: quantity(BYTES), required: true, doc: 'HBM capacity' },
    bandwidth: { type: quantity(BYTES_PER_SECOND), required: true, doc: 'HBM bandwidth' },
    sms: { type: int(), doc: 'streaming multiprocessors' },
    comm_sms: { type: int(0), default: 0, doc: 'SMs set aside for communication kernels (DeepSeek-V3: 20 of 132)' },
    price: { type: quantity(USD), doc: 'price of one GPU' },
  },
  blocks: {
    peak: {
      schema: {
        title: '`peak` block',
        doc: 'dense peak throughput per data type',
        fields: Object.fromEntries(PEAK_DTYPES.map((d) => [d, { type: quantity(FLOP_PER_SECOND), doc: `dense ${d} tensor throughput` }])),
      },
      doc: 'peak throughput per data type (dense, no sparsity)',
    },
    accumulate: {
      schema: {
        title: '`accumulate` block',
        doc: 'accumulator precision of the tensor cores',
        fields: {
          fp8: { type: { t: 'enum', values: ['fp22', 'fp32'] }, default: 'fp32', doc: 'accumulator of FP8 products (Hopper: fp22, ~13 mantissa bits)' },
          fp8_k: { type: int(), doc: 'FP8 products one tensor-core instruction sums before it rounds into the accumulator (Hopper wgmma: 32); absent: every product rounds' },
        },
      },
      doc: 'tensor-core accumulator precision',
    },
    efficiency: {
      schema: {
        title: '`efficiency` block',
        doc: 'fractions of peak that real kernels reach, for the step-time model',
        fields: {
          compute: { type: ratio, doc: 'GEMM throughput as a fraction of peak (BF16/FP16 GEMMs, end to end in training)' },
          fp8: { type: ratio, doc: 'FP8 GEMM throughput as a fraction of the FP8 peak (end to end in training); defaults to `compute`' },
          attention: { type: ratio, doc: 'attention kernel throughput as a fraction of peak' },
          memory: { type: ratio, doc: 'achieved HBM bandwidth as a fraction of peak' },
        },
      },
      doc: 'achieved fractions of peak',
    },
  },
};

const linkFields = (what: string): Record<string, FieldSpec> => ({
  bandwidth: { type: quantity(BYTES_PER_SECOND), required: true, doc: `${what} bandwidth per GPU, one direction` },
  achievable: { type: quantity(BYTES_PER_SECOND), doc: 'bandwidth real transfers reach' },
  latency: { type: quantity(SECONDS), doc: 'one-way latency' },
});

const nicFields: Record<string, FieldSpec> = {
  bandwidth: { type: quantity(BYTES_PER_SECOND), required: true, doc: 'line rate of one NIC' },
  effective: { type: quantity(BYTES_PER_SECOND), doc: 'bandwidth real transfers reach' },
  latency: { type: quantity(SECONDS), doc: 'one-way latency through the network' },
};

export const NODE: BlockSchema = {
  title: 'node',
  doc: 'a server',
  fields: {
    gpus: { type: { t: 'count', item: { t: 'ref', kind: 'gpu' } }, required: true, doc: 'the GPUs in the node: `8 x H800`' },
    scaleup: {
      type: {
        t: 'variant',
        variants: {
          nvlink: {
            title: '`nvlink` fabric',
            doc: 'NVLink/NVSwitch scale-up',
            fields: { ...linkFields('NVLink'), domain: { type: int(), doc: 'GPUs in one NVLink domain (72 for GB200 NVL72); defaults to the node' } },
          },
          pcie: {
            title: '`pcie` fabric',
            doc: 'PCIe, optionally with NVLink bridges between GPU pairs (Fire-Flyer 2)',
            fields: { ...linkFields('PCIe'), bridge: { type: quantity(BYTES_PER_SECOND), doc: 'NVLink bridge bandwidth between a GPU pair' } },
          },
        },
      },
      required: true,
      doc: 'the fabric between GPUs in the node',
    },
    nics: {
      type: {
        t: 'count',
        item: {
          t: 'variant',
          variants: {
            ib: { title: '`ib` NIC', doc: 'InfiniBand', fields: nicFields },
            roce: { title: '`roce` NIC', doc: 'RDMA over Converged Ethernet', fields: nicFields },
            ethernet: { title: '`ethernet` NIC', doc: 'plain Ethernet', fields: nicFields },
          },
        },
      },
      required: true,
      doc: 'scale-out NICs: `8 x ib { bandwidth = 400 Gb/s }`',
    },
    price: { type: quantity(USD), doc: 'price of one node' },
  },
};

const networkCommon: Record<string, FieldSpec> = {
  radix: { type: int(2), required: true, doc: 'ports per switch' },
  switch_price: { type: quantity(USD), doc: 'price of one switch' },
  link_price: { type: quantity(USD), doc: 'price of one link (cable and transceivers)' },
};

export const CLUSTER: BlockSchema = {
  title: 'cluster',
  doc: 'nodes and the network between them',
  fields: {
    nodes: { type: { t: 'count', item: { t: 'ref', kind: 'node' } }, required: true, doc: 'the nodes: `256 x H800x8`' },
    network: {
      type: {
        t: 'variant',
        variants: {
          fat_tree: {
            title: '`fat_tree` network',
            doc: 'a folded-Clos fat tree; several planes make a multi-plane fat tree (MPFT)',
            fields: {
              ...networkCommon,
              levels: { type: int(2, 3), default: 2, doc: 'switch layers (2 or 3)' },
              planes: { type: int(), default: 1, doc: 'independent planes; each NIC of a node joins its own plane' },
              rails: { type: int(), default: 1, doc: 'rails (multi-rail fat tree): NIC i of every node on rail i' },
              zones: { type: int(), default: 1, doc: 'separate fat trees the cluster is split into (Fire-Flyer 2: 2)' },
              interzone_switches: { type: int(0), default: 0, doc: 'switches outside the zones’ trees that join the zones to each other (counted and priced when zones > 1)' },
              interzone_links: { type: int(0), default: 0, doc: 'switch-to-switch links between the zones’ trees and the inter-zone switches' },
            },
          },
          slim_fly: {
            title: '`slim_fly` network',
            doc: 'a diameter-2 Slim Fly (MMS graph)',
            fields: { ...networkCommon, q: { type: int(2), doc: 'MMS parameter q (a prime power)' } },
          },
          dragonfly: {
            title: '`dragonfly` network',
            doc: 'a Dragonfly: groups of switches, all-to-all inside and between groups',
            fields: { ...networkCommon, groups: { type: int(), doc: 'number of groups' } },
          },
        },
      },
      required: true,
      doc: 'the scale-out network',
    },
  },
};

// ── deployments ──────────────────────────────────────────────────────────────

const deploymentCommon: Record<string, FieldSpec> = {
  model: { type: { t: 'ref', kind: 'model' }, required: true, doc: 'the model deployed' },
  on: { type: { t: 'ref', kind: 'cluster' }, required: true, doc: 'the cluster it runs on' },
};

const PARALLEL: BlockSchema = {
  title: '`parallel` block',
  doc: 'how the model is split over GPUs',
  fields: {
    pipeline: { type: int(), default: 1, doc: 'pipeline-parallel stages' },
    schedule: { type: { t: 'enum', values: ['1f1b', 'interleaved', 'dualpipe', 'gpipe'] }, default: '1f1b', doc: 'pipeline schedule' },
    virtual_stages: { type: int(), default: 1, doc: 'model chunks per pipeline rank (interleaved schedule)' },
    expert: { type: int(), default: 1, doc: 'expert-parallel group size' },
    tensor: { type: int(), default: 1, doc: 'tensor-parallel group size' },
    data: { type: { t: 'intOrAuto', min: 1 }, default: 'auto', doc: 'data-parallel replicas; `auto` fills the cluster' },
    zero: { type: int(0, 3), default: 1, doc: 'ZeRO stage of the data-parallel optimizer sharding' },
    sequence_parallel: { type: bool, default: false, doc: 'sequence parallelism alongside tensor parallelism' },
    micro_batch: { type: int(), default: 1, doc: 'sequences per micro-batch' },
  },
};

/** Expert placement of a deployment (src/passes/placement.ts). */
const PLACEMENT: BlockSchema = {
  title: '`placement` block',
  doc: 'where the replicas of routed experts go: measured or synthetic loads, slots and a policy',
  fields: {
    loads: { type: { t: 'string' }, doc: 'measured expert loads: a JSON `[[load per expert] per layer]` or CSV file, relative to this file' },
    synthetic: {
      type: {
        t: 'variant',
        variants: {
          zipf: {
            title: '`zipf` loads',
            doc: 'loads ∝ rank^−exponent, ranks shuffled over the experts per layer',
            fields: { exponent: { type: { t: 'real', min: 0 }, default: 1, doc: 'Zipf exponent s' } },
          },
          lognormal: {
            title: '`lognormal` loads',
            doc: 'loads exp(σ·Z), independent per expert and layer',
            fields: { sigma: { type: { t: 'real', min: 0 }, default: 1, doc: 'σ of the underlying normal' } },
          },
        },
      },
      doc: 'seeded synthetic loads instead of a file',
    },
    seed: { type: int(0), default: 1, doc: 'seed of the synthetic loads' },
    slots: { type: int(), doc: 'physical expert slots over the expert-parallel GPUs (default: the routed experts, rounded up to a multiple of the GPUs)' },
    policy: { type: { t: 'enum', values: ['default', 'eplb', 'traffic'] }, default: 'default', doc: 'placement policy: kasc\'s default, DeepSeek\'s EPLB, or traffic-aware (replicas may leave their node)' },
  },
};

export const TRAIN: BlockSchema = {
  title: 'train',
  doc: 'a training run',
  fields: {
    ...deploymentCommon,
    sequence: { type: int(), required: true, doc: 'tokens per sequence' },
    batch: { type: int(), required: true, doc: 'sequences per optimizer step (global batch)' },
    tokens: { type: { t: 'real', min: 0 }, doc: 'training tokens in total' },
    precision: {
      type: {
        t: 'variant',
        variants: {
          bf16: { title: '`bf16` precision', doc: 'BF16 mixed precision', fields: {} },
          fp8: {
            title: '`fp8` precision',
            doc: 'fine-grained FP8 (DeepSeek-V3): E4M3 GEMM inputs with block scales',
            fields: {
              activations: { type: { t: 'shape' }, default: '1x128', doc: 'activation scaling tile' },
              weights: { type: { t: 'shape' }, default: '128x128', doc: 'weight scaling block' },
              promote: { type: int(), default: 128, doc: 'promote partial sums to FP32 every N_C elements' },
            },
          },
          auto: { title: '`auto` precision', doc: 'FP8 where the GPU has it, BF16 elsewhere', fields: {} },
        },
      },
      default: 'bf16',
      doc: 'numeric precision policy',
    },
    recompute: { type: { t: 'enum', values: ['none', 'selective', 'full'] }, default: 'none', doc: 'activation recomputation' },
  },
  blocks: {
    parallel: { schema: PARALLEL, doc: 'parallelism' },
    routing: {
      schema: {
        title: '`routing` block',
        doc: 'routing limits',
        fields: {
          max_nodes: { type: int(), doc: 'node-limited routing: each token reaches at most this many nodes' },
          skew: { type: { t: 'real', min: 0 }, default: 0.2, doc: 'spread of expert popularity for the Monte Carlo routing estimate: std of a per-expert logit offset (0 = uniform routing)' },
          samples: { type: int(1, 1_000_000), default: 2048, doc: 'tokens drawn by the Monte Carlo routing estimate' },
          seed: { type: int(0), default: 1, doc: 'seed of the Monte Carlo routing estimate' },
          ib_budget: { type: quantity(BYTES), doc: 'InfiniBand bytes per token per MoE layer (dispatch + combine) the routing may spend' },
        },
      },
      doc: 'routing limits',
    },
    reference: {
      schema: {
        title: '`reference` block',
        doc: 'published figures of this run to compare the prediction with; they never feed the prediction',
        fields: {
          step: { type: quantity(SECONDS), doc: 'measured time per optimizer step' },
          mfu: { type: ratio, doc: 'measured model-FLOPs utilization of the BF16 peak, attention counted without the causal mask' },
          mfu_causal: { type: ratio, doc: 'measured model-FLOPs utilization of the BF16 peak, causal attention' },
          tokens_per_day: { type: { t: 'real', min: 0 }, doc: 'measured training tokens per day' },
          source: { type: { t: 'string' }, doc: 'where the figures are published' },
        },
      },
      doc: 'published figures to compare with',
    },
    balance_sim: {
      schema: {
        title: '`balance_sim` block',
        doc: 'the synthetic routing on which the load-balancing controller is simulated',
        fields: {
          steps: { type: int(1, 1_000_000), default: 300, doc: 'optimizer steps simulated: the horizon within which the bias must converge' },
          tokens: { type: int(), doc: 'tokens per batch (default: the deployment\'s batch × sequence)' },
          skew: { type: { t: 'real', min: 0 }, default: 0.2, doc: 'spread of expert popularity: std of a per-expert logit offset' },
          drift: { type: { t: 'real', min: 0 }, default: 0.005, doc: 'per-step random-walk std of each expert\'s logit offset' },
          seed: { type: int(0), default: 1, doc: 'seed of the synthetic routing' },
          tolerance: { type: ratio, default: 0.05, doc: 'MaxVio the controller should hold at steady state' },
        },
      },
      doc: 'load-balancing simulation',
    },
    placement: { schema: PLACEMENT, doc: 'expert placement' },
  },
};

export const SERVE: BlockSchema = {
  title: 'serve',
  doc: 'a serving deployment',
  fields: {
    ...deploymentCommon,
    phase: { type: { t: 'enum', values: ['decode', 'prefill'] }, default: 'decode', doc: 'the serving phase modelled' },
    tokens_per_device: { type: int(), doc: 'tokens (requests) each device decodes per micro-batch; 1 when absent (ISCA §2.3.2: 32)' },
    context: { type: int(), doc: 'context length per request, for KV-cache sizing' },
    weights: { type: dtype, default: 'bf16', doc: 'weight data type' },
    kv_cache: { type: dtype, default: 'bf16', doc: 'KV-cache data type' },
    dispatch: { type: dtype, default: 'bf16', doc: 'data type of the expert-parallel dispatch' },
    combine: { type: dtype, default: 'bf16', doc: 'data type of the expert-parallel combine' },
    overlap: { type: { t: 'enum', values: ['none', 'dual_microbatch'] }, default: 'none', doc: 'overlap of communication with compute' },
  },
  blocks: {
    parallel: { schema: PARALLEL, doc: 'parallelism' },
    routing: TRAIN.blocks!['routing']!,
    placement: { schema: PLACEMENT, doc: 'expert placement' },
  },
};


// ── operator search ──────────────────────────────────────────────────────────

/** The primitives of operator synthesis (src/search/ir.ts `PrimitiveKind`), in the library's order. */
export const SEARCH_PRIMITIVES = ['reduce', 'share', 'expand', 'merge', 'split', 'shift', 'stride', 'unfold'] as const;

const sizeBinding = (what: string): FieldSpec => ({
  type: { t: 'list', item: int(1, 1_000_000_000), single: true, min: 1 },
  doc: `${what}: one whole number, or a list \`[a, b]\` (the i-th binding takes the i-th value; a single value stands in every binding)`,
});

const fitSizes: BlockSchema = {
  title: '`sizes` block',
  doc: 'the small sizes the fit runs at; a variable left out is derived (coefficients: their first binding)',
  fields: {},
  anyField: { spec: { type: int(1, 1_000_000), doc: 'the value of this size variable in the fit' }, what: 'a size variable of the search' },
};

const fitnessCommon: Record<string, FieldSpec> = {
  operator: { type: { t: 'operator' }, required: true, doc: 'the teacher: a library operator of the same interface whose outputs the candidates are fitted to' },
  samples: { type: int(1, 1_000_000), default: 256, doc: 'synthetic inputs the candidate\'s weights are fitted on' },
  held_out: { type: int(1, 1_000_000), default: 64, doc: 'further synthetic inputs the R² is measured on' },
  seed: { type: int(0), doc: 'seed of the synthetic data; the search\'s `seed` when absent' },
};

export const SEARCH: BlockSchema = {
  title: 'search',
  doc: 'an operator search (kernel architecture search): synthesize operators for an interface under budgets',
  fields: {
    input: { type: { t: 'list', item: { t: 'size' }, min: 1 }, required: true, doc: 'the input tensor\'s dimensions, outermost first: `[C, L]`' },
    output: { type: { t: 'list', item: { t: 'size' }, min: 1 }, required: true, doc: 'the output tensor\'s dimensions, outermost first: `[C, L]`' },
    primitives: { type: { t: 'list', item: { t: 'enum', values: SEARCH_PRIMITIVES }, min: 1 }, doc: 'the primitives the search may apply (default: all eight)' },
    reduce_sizes: { type: { t: 'list', item: { t: 'size' } }, doc: 'sizes a `reduce` may sum over (default: the input\'s sizes and every coefficient)' },
    block_sizes: { type: { t: 'list', item: { t: 'size' } }, doc: 'inner sizes a `merge` may split off (default: every coefficient)' },
    stride_sizes: { type: { t: 'list', item: { t: 'size' } }, doc: 'strides (dilations) a `stride` may apply to an unfold window (default: none)' },
    target: { type: { t: 'ref', kind: 'gpu' }, doc: 'the GPU whose peak FP32 FLOP/s and HBM bandwidth the latency model uses' },
    fitness: {
      type: {
        t: 'variant',
        variants: {
          teacher: { title: '`teacher` fitness', doc: 'held-out R² of the candidate fitted (least squares) to a teacher operator on synthetic data', fields: { ...fitnessCommon, sweeps: { type: int(1, 1000), doc: 'alternating-least-squares sweeps for candidates with several weight tensors (default: the fitness\'s, 50)' } }, blocks: { sizes: { schema: fitSizes, doc: 'the sizes the fit runs at' } } },
          external: {
            title: '`external` fitness',
            doc: 'a command scores each candidate: it reads the candidate as JSON on stdin and prints `{"r2": …}`',
            fields: { ...fitnessCommon, command: { type: { t: 'string' }, required: true, doc: 'the command line, run by the shell' } },
            blocks: { sizes: { schema: fitSizes, doc: 'the sizes the candidates are evaluated at' } },
          },
        },
      },
      required: true,
      doc: 'how a candidate is scored',
    },
    strategy: {
      type: {
        t: 'variant',
        variants: Object.fromEntries(
          (
            [
              ['mcts', 'Monte Carlo tree search over the operator DAG (UCB, progressive widening)'],
              ['beam', 'beam search by the fitness of completed operators'],
              ['random', 'uniform random rollouts'],
              ['canvas', 'Canvas: random sampling with rejection (the baseline)'],
            ] as const
          ).map(([name, doc]) => [
            name,
            {
              title: `\`${name}\` strategy`,
              doc,
              fields: {
                evaluations: { type: int(1, 10_000_000), default: 500, doc: 'complete operators scored before the search stops' },
                time: { type: { t: 'quantity', dim: SECONDS, min: 0 }, doc: 'wall-clock cap; results are seed-stable only up to where time runs out' },
                threads: { type: int(1, 256), default: 1, doc: 'worker threads; the result of a seed does not depend on them' },
              },
            } satisfies BlockSchema,
          ]),
        ),
      },
      default: 'mcts',
      doc: 'how the operator DAG is explored',
    },
    seed: { type: int(0), default: 1, doc: 'seed of the search (and of the fitness data unless it sets its own)' },
    keep: { type: int(1, 1000), default: 10, doc: 'candidates kept in the result, best first' },
    kernels: { type: int(0, 100), default: 3, doc: 'best operators `kasc search` emits as WGSL kernels' },
  },
  blocks: {
    sizes: {
      schema: { title: '`sizes` block', doc: 'the primary size variables (the interface\'s sizes) and their concrete bindings', fields: {}, anyField: { spec: sizeBinding('a primary size variable'), what: 'a primary size variable' } },
      doc: 'primary size variables with their values: `sizes { C = [64, 128]  L = 1024 }`',
    },
    coefficients: {
      schema: { title: '`coefficients` block', doc: 'the coefficient variables (small factors: groups, kernel, stride, rank) and their values', fields: {}, anyField: { spec: sizeBinding('a coefficient variable'), what: 'a coefficient variable' } },
      doc: 'coefficient variables with their values: `coefficients { k = 3  g = 4 }`',
    },
    limits: {
      schema: {
        title: '`limits` block',
        doc: 'how large a candidate may grow',
        fields: {
          depth: { type: int(1, 16), default: 6, doc: 'most construction steps (primitive applications) in one operator' },
          weights: { type: int(1, 3), default: 2, doc: 'most weight tensors' },
          reductions: { type: int(0, 8), default: 2, doc: 'most reduction (summed) iterators' },
        },
      },
      doc: 'depth, weight-tensor and reduction limits',
    },
    budget: {
      schema: {
        title: '`budget` block',
        doc: 'cost limits a candidate must meet under the first binding',
        fields: {
          flops: { type: { t: 'budget', dim: FLOP }, doc: 'most FLOPs: absolute (`2 GFLOP`) or relative to a library operator (`0.5 * dense`)' },
          params: { type: { t: 'budget', dim: DIMENSIONLESS }, doc: 'most parameters: absolute (`100_000`) or relative to a library operator (`dense / 2`)' },
        },
      },
      doc: 'FLOPs and parameter budgets',
    },
    fingerprint: {
      schema: { title: '`fingerprint` block', doc: 'small bindings on which the semantic fingerprint compares operators (derived when absent)', fields: {}, anyField: { spec: sizeBinding('a size variable'), what: 'a size variable of the search' } },
      doc: 'the fingerprint bindings: `fingerprint { C = [2, 3]  L = [6, 4]  k = [3, 2] }`',
    },
  },
};

export const DECLARATION_SCHEMAS: Record<DeclarationKeyword, BlockSchema> = {
  model: MODEL,
  gpu: GPU,
  node: NODE,
  cluster: CLUSTER,
  train: TRAIN,
  serve: SERVE,
  search: SEARCH,
};

/** Bytes per element of each data type. */
export const DTYPE_BYTES: Record<(typeof DTYPES)[number] | 'fp22', number> = {
  fp32: 4,
  tf32: 4,
  fp22: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  e4m3: 1,
  e5m2: 1,
  int8: 1,
  int4: 0.5,
  fp4: 0.5,
};
