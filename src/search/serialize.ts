/**
 * Plain-JSON forms of the search IR, for crossing a thread boundary. Sizes, dims, ops, states and
 * operators are hash-consed per thread (ir.ts): a worker cannot share the main thread's objects, so
 * it receives these trees and rebuilds them through the same constructors, which intern them in its
 * own tables. Decoding what was encoded gives back the identical object in the encoding thread, and an
 * object with the identical `key` in any other (test/search/workers.test.ts).
 *
 * Sizes carry their variables' kinds (primary / coefficient), because a fresh thread has not yet
 * declared them.
 */
import {
  makeOp,
  makeOperator,
  mergeHi,
  mergeLo,
  outputDim,
  reduceDim,
  shift,
  split,
  stride,
  unfold,
  type Dim,
  type Op,
  type Operator,
  type PrimitiveKind,
} from './ir.js';
import { constant, div, mul, sizeVariable, variableSize, type Size, type VariableKind } from './size.js';
import type { NamedSize, SearchSpec } from './spec.js';

export interface SizeJson {
  readonly n: number;
  readonly d: number;
  readonly f: readonly (readonly [string, VariableKind, number])[];
}

export type DimJson =
  | { readonly k: 'output'; readonly i: number; readonly s: SizeJson }
  | { readonly k: 'reduce'; readonly i: number; readonly s: SizeJson }
  | { readonly k: 'merge-hi' | 'merge-lo'; readonly of: DimJson; readonly b: SizeJson }
  | { readonly k: 'split'; readonly hi: DimJson; readonly lo: DimJson }
  | { readonly k: 'shift'; readonly of: DimJson }
  | { readonly k: 'stride'; readonly of: DimJson; readonly s: SizeJson }
  | { readonly k: 'unfold'; readonly main: DimJson; readonly window: DimJson };

export interface OpJson {
  readonly p: PrimitiveKind;
  readonly o: readonly DimJson[];
  readonly s: SizeJson | null;
}

export interface OperatorJson {
  readonly outputs: readonly DimJson[];
  readonly input: readonly DimJson[];
  readonly weights: readonly (readonly DimJson[])[];
  readonly reductions: readonly DimJson[];
}

export function sizeToJson(s: Size): SizeJson {
  return { n: s.numerator, d: s.denominator, f: s.factors.map(([v, e]) => [v.name, v.kind, e] as const) };
}

export function sizeFromJson(j: SizeJson): Size {
  let s = constant(j.n, j.d);
  for (const [name, kind, e] of j.f) {
    const v = variableSize(sizeVariable(name, kind));
    for (let i = 0; i < Math.abs(e); i++) s = e > 0 ? mul(s, v) : div(s, v);
  }
  return s;
}

export function dimToJson(d: Dim): DimJson {
  const n = d.node;
  switch (n.kind) {
    case 'output':
      return { k: 'output', i: n.index, s: sizeToJson(d.size) };
    case 'reduce':
      return { k: 'reduce', i: n.ordinal, s: sizeToJson(d.size) };
    case 'merge-hi':
    case 'merge-lo':
      return { k: n.kind, of: dimToJson(n.of), b: sizeToJson(n.block) };
    case 'split':
      return { k: 'split', hi: dimToJson(n.hi), lo: dimToJson(n.lo) };
    case 'shift':
      return { k: 'shift', of: dimToJson(n.of) };
    case 'stride':
      return { k: 'stride', of: dimToJson(n.of), s: sizeToJson(n.stride) };
    case 'unfold':
      return { k: 'unfold', main: dimToJson(n.main), window: dimToJson(n.window) };
  }
}

export function dimFromJson(j: DimJson): Dim {
  switch (j.k) {
    case 'output':
      return outputDim(j.i, sizeFromJson(j.s));
    case 'reduce':
      return reduceDim(j.i, sizeFromJson(j.s));
    case 'merge-hi':
      return mergeHi(dimFromJson(j.of), sizeFromJson(j.b));
    case 'merge-lo':
      return mergeLo(dimFromJson(j.of), sizeFromJson(j.b));
    case 'split':
      return split(dimFromJson(j.hi), dimFromJson(j.lo));
    case 'shift':
      return shift(dimFromJson(j.of));
    case 'stride':
      return stride(dimFromJson(j.of), sizeFromJson(j.s));
    case 'unfold':
      return unfold(dimFromJson(j.main), dimFromJson(j.window));
  }
}

export const opToJson = (op: Op): OpJson => ({ p: op.primitive, o: op.operands.map(dimToJson), s: op.size ? sizeToJson(op.size) : null });

export const opFromJson = (j: OpJson): Op => makeOp(j.p, j.o.map(dimFromJson), j.s ? sizeFromJson(j.s) : null);

export function operatorToJson(op: Operator): OperatorJson {
  return {
    outputs: op.outputs.map(dimToJson),
    input: op.input.map(dimToJson),
    weights: op.weights.map((w) => w.map(dimToJson)),
    reductions: op.reductions.map(dimToJson),
  };
}

export function operatorFromJson(j: OperatorJson): Operator {
  return makeOperator(
    j.outputs.map(dimFromJson),
    j.input.map(dimFromJson),
    j.weights.map((w) => w.map(dimFromJson)),
    j.reductions.map(dimFromJson),
  );
}

interface NamedSizeJson {
  readonly name: string;
  readonly size: SizeJson;
}

export interface SpecJson extends Omit<SearchSpec, 'inputs' | 'outputs' | 'reduceSizes' | 'blockSizes' | 'strideSizes'> {
  readonly inputs: readonly NamedSizeJson[];
  readonly outputs: readonly NamedSizeJson[];
  readonly reduceSizes: readonly SizeJson[];
  readonly blockSizes: readonly SizeJson[];
  readonly strideSizes: readonly SizeJson[];
}

const namedToJson = (n: NamedSize): NamedSizeJson => ({ name: n.name, size: sizeToJson(n.size) });
const namedFromJson = (n: NamedSizeJson): NamedSize => ({ name: n.name, size: sizeFromJson(n.size) });

export function specToJson(spec: SearchSpec): SpecJson {
  return {
    ...spec,
    inputs: spec.inputs.map(namedToJson),
    outputs: spec.outputs.map(namedToJson),
    reduceSizes: spec.reduceSizes.map(sizeToJson),
    blockSizes: spec.blockSizes.map(sizeToJson),
    strideSizes: spec.strideSizes.map(sizeToJson),
  };
}

export function specFromJson(j: SpecJson): SearchSpec {
  return {
    ...j,
    inputs: j.inputs.map(namedFromJson),
    outputs: j.outputs.map(namedFromJson),
    reduceSizes: j.reduceSizes.map(sizeFromJson),
    blockSizes: j.blockSizes.map(sizeFromJson),
    strideSizes: j.strideSizes.map(sizeFromJson),
  };
}

/** One-line text forms (JSON) of an operator and of a construction sequence. */
export const operatorToString = (op: Operator): string => JSON.stringify(operatorToJson(op));
export const operatorFromString = (s: string): Operator => operatorFromJson(JSON.parse(s) as OperatorJson);
export const stepsToString = (steps: readonly Op[]): string => JSON.stringify(steps.map(opToJson));
export const stepsFromString = (s: string): Op[] => (JSON.parse(s) as OpJson[]).map(opFromJson);
