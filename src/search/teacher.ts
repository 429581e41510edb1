/**
 * The teacher of the built-in fitness: an operator of the search's interface with seeded random
 * weights, applied to synthetic inputs. Every input element and every teacher weight is an
 * independent standard normal (the ziggurat of src/util/rng.ts); targets are the teacher's exact
 * outputs (no noise, so a candidate that can express the teacher reaches R² = 1 up to rounding).
 *
 * Streams (so that changing one count does not move the others): from `new Rng(seed)`, derive(1)
 * draws the teacher's weights, derive(2) the training inputs, derive(3) the held-out inputs.
 *
 * `fullyConnected` builds the most general linear operator of an interface — every output element
 * reads every input element through its own weight — the "dense teacher" for interfaces that have
 * no library `dense` (x[C, L] → y[C, L]).
 */
import type { FitnessConfig } from './api.js';
import { indexTable, volume } from './eval.js';
import { makeOp, outputDim, reduceDim, type Dim, type Op, type Operator } from './ir.js';
import { moments, predict, type Moments, type Samples } from './lsq.js';
import { applyOps, completeWith, startState, type OperatorInterface } from './primitives.js';
import type { Binding } from './size.js';
import { Rng } from '../util/rng.js';

export interface TeacherData {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly teacherWeights: readonly Float64Array[];
  readonly train: Samples;
  /** XᵀX, XᵀY, … of the training samples: all the fit reads (lsq.ts). */
  readonly trainMoments: Moments;
  readonly heldOut: Samples;
  readonly heldOutMoments: Moments;
}

function gaussian(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  rng.fillGaussian(a);
  return a;
}

/** Draw the teacher's weights and the data, and label it (uncached; see `teacherData`). */
export function makeTeacherData(teacher: Operator, binding: Binding, samples: number, heldOut: number, seed: number): TeacherData {
  if (!Number.isSafeInteger(samples) || samples < 1 || !Number.isSafeInteger(heldOut) || heldOut < 1) {
    throw new Error(`the fitness needs at least one training and one held-out sample (got ${samples} and ${heldOut})`);
  }
  const t = indexTable(teacher, binding);
  const rng = new Rng(seed);
  const wRng = rng.derive(1);
  const teacherWeights = t.weightShapes.map((s) => gaussian(wRng, volume(s)));
  const nIn = volume(t.inputShape);
  const label = (n: number, stream: Rng): Samples => {
    const x = gaussian(stream, n * nIn);
    return { n, x, y: predict(t, x, n, teacherWeights) };
  };
  const train = label(samples, rng.derive(2));
  const test = label(heldOut, rng.derive(3));
  const nOut = volume(t.outputShape);
  return {
    inputShape: t.inputShape,
    outputShape: t.outputShape,
    teacherWeights,
    train,
    trainMoments: moments(train, nIn, nOut),
    heldOut: test,
    heldOutMoments: moments(test, nIn, nOut),
  };
}

const cache = new Map<string, TeacherData>();
const CACHE_CAPACITY = 8;

/** The stable text of a binding (keys sorted). */
export function bindingKey(b: Binding): string {
  return JSON.stringify(Object.keys(b).sort().map((k) => [k, b[k]]));
}

/**
 * The teacher's data for a fitness config, memoized (the search scores thousands of candidates
 * against the same teacher; the 8 most recently used configurations are kept).
 */
export function teacherData(config: FitnessConfig): TeacherData {
  const key = `${config.teacher.key}|${bindingKey(config.binding)}|${config.samples}|${config.heldOut}|${config.seed}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const data = makeTeacherData(config.teacher, config.binding, config.samples, config.heldOut, config.seed);
  cache.set(key, data);
  if (cache.size > CACHE_CAPACITY) cache.delete(cache.keys().next().value!);
  return data;
}

/**
 * y[o_1 … o_m] = Σ_{i_1 … i_n} x[i_1 … i_n] · w[i_1 … i_n, o_1 … o_m]: one Reduce and one Share
 * per input dimension, the weight holding every reduction and every output iterator.
 */
export function fullyConnected(iface: OperatorInterface): Operator {
  const steps: Op[] = [];
  const reductions: Dim[] = [];
  const seen = new Map<string, number>();
  for (const input of iface.inputs) {
    const ordinal = seen.get(input.size.key) ?? 0;
    seen.set(input.size.key, ordinal + 1);
    const r = reduceDim(ordinal, input.size);
    reductions.push(r);
    steps.push(makeOp('reduce', [], input.size), makeOp('share', [r]));
  }
  const outputs = iface.outputs.map((o, i) => outputDim(i, o.size));
  return completeWith(applyOps(startState(iface), steps), iface, reductions, [[...reductions, ...outputs]]);
}
