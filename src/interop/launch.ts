/**
 * What the three engine emitters share: a list of launch arguments, the notes on what an engine cannot
 * be told, shell-ready rendering, and how a serving deployment splits into engine instances.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/codes.js';
import type { DeploymentIR, ServeIR } from '../ir/deploy.js';
import type { ModelIR } from '../ir/model.js';
import { kasNumber } from './kas-text.js';

/** One argument: a flag, and its value unless it is a switch. */
export type LaunchArg = readonly [flag: string, value?: string | number];

export interface LaunchConfig {
  readonly engine: string;
  readonly args: readonly LaunchArg[];
  /** Warnings (KAS0609): settings the engine has no argument for. */
  readonly notes: readonly Diagnostic[];
  /** Files the arguments name (an expert placement), by the name the arguments use. */
  readonly files: Readonly<Record<string, string>>;
}

export class ArgList {
  readonly args: LaunchArg[] = [];
  readonly notes: Diagnostic[] = [];

  constructor(
    readonly engine: string,
    private readonly d: DeploymentIR,
  ) {}

  add(flag: string, value?: string | number): this {
    this.args.push(value === undefined ? [flag] : [flag, value]);
    return this;
  }

  /** A setting the engine cannot be told: a warning at the deployment (or one of its fields). */
  cannot(what: string, help: string, field?: string): this {
    const span = (field && this.d.spans[field]) || this.d.span;
    this.notes.push(diagnostic('engineNoFlag', { engine: this.engine, what }, span, { help }));
    return this;
  }
}

/** A value as a shell word: bare when it is safe, single-quoted otherwise. */
export function shellWord(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** One argument per line, continued with `\`, ready to paste after the engine's command. */
export function renderArgs(args: readonly LaunchArg[]): string {
  return args.map(([flag, value], i) => `${value === undefined ? flag : `${flag} ${shellWord(String(value))}`}${i < args.length - 1 ? ' \\' : ''}`).join('\n') + '\n';
}

/** A number as engines' argparse reads it: `2.5`, `0.001`, and small ones with an exponent (`1e-6`). */
export function argNumber(n: number): string {
  return kasNumber(n);
}

/**
 * How a serving deployment maps onto engine instances. The expert-parallel group is one engine
 * instance: its GPUs are `expert` (they run attention data-parallel and share one copy of the experts);
 * the deployment's data-parallel replicas beyond it are separate instances. A dense model (or
 * `expert = 1`) makes each pipeline × tensor replica an instance.
 */
export interface ServeInstances {
  /** GPUs in one instance. */
  readonly gpus: number;
  /** Attention data-parallel ranks inside one instance. */
  readonly dataParallel: number;
  /** Nodes one instance spans. */
  readonly nodes: number;
  /** Instances in the deployment. */
  readonly count: number;
}

export function serveInstances(d: ServeIR): ServeInstances {
  const p = d.parallel;
  const perNode = d.cluster.node.gpuCount;
  const dataParallel = d.model.moe && p.expert > 1 ? p.expert / p.tensor : 1;
  const gpus = p.pipeline * p.tensor * dataParallel;
  return { gpus, dataParallel, nodes: Math.ceil(gpus / perNode), count: Math.max(1, Math.floor(p.data / dataParallel)) };
}

/** Redundant expert slots and the slot → expert map of every layer, for engines that take one. */
export interface ExpertPlacement {
  /** Physical expert slots per MoE layer (routed experts plus redundant copies). */
  readonly slots: number;
  /** Slot → logical expert, one row per MoE layer, in the model's MoE-layer order. */
  readonly phy2log: readonly (readonly number[])[];
}

/** `1` when every layer is MoE, else Megatron's list form `([0]*3+[1]*58)`: a run-length Python list. */
export function moeLayerPattern(model: ModelIR): string {
  const moe = new Set(model.moe?.layers ?? []);
  if (moe.size === model.layers) return '1';
  const runs: [number, number][] = [];
  for (let i = 0; i < model.layers; i++) {
    const bit = moe.has(i) ? 1 : 0;
    const last = runs[runs.length - 1];
    if (last && last[0] === bit) last[1]++;
    else runs.push([bit, 1]);
  }
  return `(${runs.map(([b, n]) => `[${b}]*${n}`).join('+')})`;
}

/** JSON on one line with sorted keys, for an argument value (`--eplb-config '{"num_redundant_experts":32}'`). */
export function stableJsonInline(v: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])));
}
