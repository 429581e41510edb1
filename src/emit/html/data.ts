/**
 * What report.html reads: the report.json object (src/emit/report/json.ts), nothing else, so every
 * figure a pass adds to report.json can be charted and no chart can show a number the JSON lacks.
 *
 * Co-design pass results are typed `unknown` in the JSON (each pass owns its shape), so charts read
 * them through the small guards below and draw nothing when a field is missing or of another shape.
 */
import type { reportJson } from '../report/json.js';

export type ReportJson = ReturnType<typeof reportJson>;
export type ModelJson = ReportJson['models'][string];
export type ClusterJson = ReportJson['clusters'][string];
export type DeploymentJson = ReportJson['deployments'][string];
export type TrainJson = Extract<DeploymentJson, { batch: number }>;
export type ServeJson = Extract<DeploymentJson, { phase: string }>;

export function isTrain(d: DeploymentJson): d is TrainJson {
  return d.kind === 'train' && 'batch' in d;
}

/**
 * The precision policy of a training deployment. The deployment's `precision` setting and the
 * precision pass' result share one key in report.json; read the policy from either.
 */
export function trainPrecision(d: TrainJson): string {
  const p: unknown = d.precision;
  if (isObject(p)) {
    if (typeof p['policy'] === 'string') return p['policy'];
    if (typeof p['kind'] === 'string') return p['kind'];
  }
  return 'bf16';
}

/** A breakdown interface (ParamBreakdown, …) as a plain record, for lookups by key. */
export function asRecord(o: object): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The value at a dotted path (`train.memory.perGpu`), or undefined. */
export function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const key of path.split('.')) {
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The first of several dotted paths that holds a value accepted by `accept`. */
export function firstAt<T>(v: unknown, paths: readonly string[], accept: (x: unknown) => x is T): T | undefined {
  for (const p of paths) {
    const x = at(v, p);
    if (accept(x)) return x;
  }
  return undefined;
}

export function numberAt(v: unknown, ...paths: string[]): number | undefined {
  return firstAt(v, paths, isFiniteNumber);
}

export function objectAt(v: unknown, ...paths: string[]): JsonObject | undefined {
  return firstAt(v, paths, isObject);
}

export function arrayAt(v: unknown, ...paths: string[]): unknown[] | undefined {
  return firstAt(v, paths, (x): x is unknown[] => Array.isArray(x));
}

/** `{ weights: 1, grads: 2 }` → its finite-number entries, in key order as written. */
export function numberEntries(o: JsonObject | undefined): [string, number][] {
  if (!o) return [];
  return Object.entries(o).filter((e): e is [string, number] => isFiniteNumber(e[1]));
}

/** `weightsBytes` → `weights`, `optimizerStates` → `optimizer states`: a label from a JSON key. */
export function labelOf(key: string): string {
  return key
    .replace(/(Bytes|Seconds|PerGpu|PerGPU)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}
