/** The engines kasc writes launch arguments for, and which deployments each takes. */
import type { DeploymentIR } from '../ir/deploy.js';
import type { PassResult } from '../passes/pass.js';
import type { ExpertPlacement, LaunchConfig } from './launch.js';
import { megatronArgs } from './megatron.js';
import { sglangArgs, SGLANG_PLACEMENT_FILE } from './sglang.js';
import { vllmArgs } from './vllm.js';

export const ENGINES = { megatron: 'train', sglang: 'serve', vllm: 'serve' } as const;
export type Engine = keyof typeof ENGINES;
export const ENGINE_NAMES: Record<Engine, string> = { megatron: 'Megatron-Core', sglang: 'SGLang', vllm: 'vLLM' };

export function isEngine(e: string): e is Engine {
  return Object.prototype.hasOwnProperty.call(ENGINES, e);
}

/** The placement pass's answer for a deployment, in the shape the engines take; undefined when it did not run. */
export function placementOf(passResults: ReadonlyMap<DeploymentIR, readonly PassResult[]> | undefined, d: DeploymentIR): ExpertPlacement | undefined {
  const r = passResults?.get(d)?.find((p) => p.pass.name === 'placement')?.result as { layout?: { slots?: unknown }; placement?: { layers?: { phy2log?: unknown }[] } } | undefined;
  const slots = r?.layout?.slots;
  const layers = r?.placement?.layers;
  if (typeof slots !== 'number' || !Array.isArray(layers) || !layers.every((l) => Array.isArray(l.phy2log))) return undefined;
  return { slots, phy2log: layers.map((l) => l.phy2log as number[]) };
}

/** The launch arguments; the caller has checked that the deployment is of the kind the engine takes. */
export function launchConfig(engine: Engine, d: DeploymentIR, placement: ExpertPlacement | undefined, placementFile = SGLANG_PLACEMENT_FILE): LaunchConfig {
  if (d.kind === 'train') return megatronArgs(d);
  return engine === 'sglang' ? sglangArgs(d, placement, placementFile) : vllmArgs(d, placement);
}
