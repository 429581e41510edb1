/**
 * Named reference operators, each built bottom-up from the primitives exactly as the search would
 * build it: the targets of rediscovery and the yardsticks of budgets ("at most half the FLOPs of
 * `dense`"). Each records its construction steps, so its depth is the number of steps.
 *
 * Layouts (row-major) follow PyTorch where there is a PyTorch counterpart: conv weights are
 * [C_out, C_in, k] (2-D: [C_out, C_in, k, k]; depthwise [C_in, k, k], PyTorch's [C_in, 1, k, k]
 * without the unit axis; pointwise [C_out, C_in]); the dense weight is [C_in, C_out] (x · W).
 */
import { makeOp, mergeHi, mergeLo, outputDim, reduceDim, shift, split, unfold, type Dim, type Op, type Operator } from './ir.js';
import { applyOps, completeWith, startState, type OperatorInterface } from './primitives.js';
import { coefficient, div, primary, type Size } from './size.js';

export interface NamedOperator {
  readonly name: string;
  readonly description: string;
  readonly iface: OperatorInterface;
  readonly steps: readonly Op[];
  readonly operator: Operator;
}

export const C_in = primary('C_in');
export const C_out = primary('C_out');
export const C = primary('C');
export const L = primary('L');
export const g = coefficient('g');
export const k = coefficient('k');
export const r = coefficient('r');
export const H = primary('H');
export const W = primary('W');

const io = (inputs: [string, Size][], outputs: [string, Size][]): OperatorInterface => ({
  inputs: inputs.map(([name, size]) => ({ name, size })),
  outputs: outputs.map(([name, size]) => ({ name, size })),
});

function named(name: string, description: string, iface: OperatorInterface, steps: Op[], input: Dim[], weights: Dim[][]): NamedOperator {
  const state = applyOps(startState(iface), steps);
  return { name, description, iface, steps, operator: completeWith(state, iface, input, weights) };
}

const reduce = (size: Size) => makeOp('reduce', [], size);
const share = (d: Dim) => makeOp('share', [d]);

/** y[o] = Σ_i x[i] · w[i, o]. */
export function dense(): NamedOperator {
  const o = outputDim(0, C_out);
  const i = reduceDim(0, C_in);
  return named('dense', 'y = x · W', io([['c', C_in]], [['c', C_out]]), [reduce(C_in), share(i)], [i], [[i, o]]);
}

/** Block-diagonal: y[o] = Σ_i x[G(o)·C_in/g + i] · w[G(o), i, o mod C_out/g], G(o) = ⌊o / (C_out/g)⌋. */
export function grouped(): NamedOperator {
  const o = outputDim(0, C_out);
  const block = div(C_out, g);
  const group = mergeHi(o, block);
  const within = mergeLo(o, block);
  const i = reduceDim(0, div(C_in, g));
  return named(
    'grouped',
    'block-diagonal linear with g groups',
    io([['c', C_in]], [['c', C_out]]),
    [makeOp('merge', [o], block), reduce(div(C_in, g)), share(group), share(i), makeOp('split', [group, i])],
    [split(group, i)],
    [[group, i, within]],
  );
}

/** y[o] = Σ_i Σ_j x[i] · u[i, j] · v[j, o] with rank r. */
export function lowRank(): NamedOperator {
  const o = outputDim(0, C_out);
  const i = reduceDim(0, C_in);
  const j = reduceDim(0, r);
  return named('low-rank', 'y = x · U · V, rank r', io([['c', C_in]], [['c', C_out]]), [reduce(C_in), reduce(r), share(i), share(j)], [i], [
    [i, j],
    [j, o],
  ]);
}

/** y[c, l] = Σ_t x[c, l + t − ⌊(k−1)/2⌋] · w[c, t] (zero padding). */
export function depthwiseConv1d(): NamedOperator {
  const c = outputDim(0, C);
  const l = outputDim(1, L);
  const t = reduceDim(0, k);
  return named(
    'depthwise-conv1d',
    'one k-tap filter per channel, same padding',
    io(
      [
        ['c', C],
        ['l', L],
      ],
      [
        ['c', C],
        ['l', L],
      ],
    ),
    [reduce(k), share(t), share(c), makeOp('unfold', [l, t])],
    [c, unfold(l, t)],
    [[c, t]],
  );
}

const seq = () =>
  io(
    [
      ['c', C_in],
      ['l', L],
    ],
    [
      ['c', C_out],
      ['l', L],
    ],
  );

/** y[o, l] = Σ_i Σ_t x[i, l + t − ⌊(k−1)/2⌋] · w[o, i, t]. */
export function conv1d(): NamedOperator {
  const o = outputDim(0, C_out);
  const l = outputDim(1, L);
  const i = reduceDim(0, C_in);
  const t = reduceDim(0, k);
  return named('conv1d', 'full k-tap convolution, same padding', seq(), [reduce(C_in), reduce(k), share(i), share(t), makeOp('unfold', [l, t])], [i, unfold(l, t)], [[o, i, t]]);
}

/** y[o, l] = Σ_i x[i, (l + 1) mod L] · w[i, o]. */
export function shiftPointwise(): NamedOperator {
  const o = outputDim(0, C_out);
  const l = outputDim(1, L);
  const i = reduceDim(0, C_in);
  return named('shift-pointwise', 'cyclic shift by one along l, then a pointwise (1×1) layer', seq(), [reduce(C_in), share(i), makeOp('shift', [l])], [i, shift(l)], [[i, o]]);
}

/** y[o, l] = Σ_i Σ_t x[i, ⌊l/k⌋·k + t] · w[i, o]: sum-pool windows of k, repeat back, then pointwise. */
export function poolUnpoolPointwise(): NamedOperator {
  const o = outputDim(0, C_out);
  const l = outputDim(1, L);
  const window = mergeHi(l, k);
  const t = reduceDim(0, k);
  const i = reduceDim(0, C_in);
  return named(
    'pool-unpool-pointwise',
    'sum-pool over windows of k, nearest unpool, pointwise layer',
    seq(),
    [makeOp('merge', [l], k), makeOp('expand', [mergeLo(l, k)]), reduce(k), makeOp('split', [window, t]), reduce(C_in), share(i)],
    [i, split(window, t)],
    [[i, o]],
  );
}

/** y[o, l] = Σ_i Σ_t x[G(o)·C_in/g + i, l + t − ⌊(k−1)/2⌋] · w[G(o), i, o mod C_out/g, t]. */
export function groupedConv1d(): NamedOperator {
  const o = outputDim(0, C_out);
  const l = outputDim(1, L);
  const block = div(C_out, g);
  const group = mergeHi(o, block);
  const within = mergeLo(o, block);
  const i = reduceDim(0, div(C_in, g));
  const t = reduceDim(0, k);
  return named(
    'grouped-conv1d',
    'k-tap convolution with g groups, same padding',
    seq(),
    [
      makeOp('merge', [o], block),
      reduce(div(C_in, g)),
      reduce(k),
      share(group),
      share(i),
      share(t),
      makeOp('split', [group, i]),
      makeOp('unfold', [l, t]),
    ],
    [split(group, i), unfold(l, t)],
    [[group, i, within, t]],
  );
}

const image = () =>
  io(
    [
      ['c', C_in],
      ['h', H],
      ['w', W],
    ],
    [
      ['c', C_out],
      ['h', H],
      ['w', W],
    ],
  );

/** y[o, h, w] = Σ_i Σ_s Σ_t x[i, h + s − ⌊(k−1)/2⌋, w + t − ⌊(k−1)/2⌋] · w[o, i, s, t] (same padding). */
export function conv2d(): NamedOperator {
  const o = outputDim(0, C_out);
  const h = outputDim(1, H);
  const w = outputDim(2, W);
  const i = reduceDim(0, C_in);
  const s = reduceDim(0, k);
  const t = reduceDim(1, k);
  return named(
    'conv2d',
    'full k×k convolution, same padding',
    image(),
    [reduce(C_in), reduce(k), reduce(k), share(i), share(s), share(t), makeOp('unfold', [h, s]), makeOp('unfold', [w, t])],
    [i, unfold(h, s), unfold(w, t)],
    [[o, i, s, t]],
  );
}

/**
 * Depthwise-separable conv2d (MobileNet): a k×k filter per input channel, then a pointwise layer,
 * y[o, h, w] = Σ_i p[o, i] · Σ_s Σ_t x[i, h + s − ⌊(k−1)/2⌋, w + t − ⌊(k−1)/2⌋] · d[i, s, t].
 * The channel iterator i is read by three tensors (two Shares).
 */
export function depthwiseSeparableConv2d(): NamedOperator {
  const o = outputDim(0, C_out);
  const h = outputDim(1, H);
  const w = outputDim(2, W);
  const i = reduceDim(0, C_in);
  const s = reduceDim(0, k);
  const t = reduceDim(1, k);
  return named(
    'depthwise-separable-conv2d',
    'k×k depthwise convolution per input channel (same padding), then a pointwise C_in → C_out layer',
    image(),
    [reduce(C_in), reduce(k), reduce(k), share(i), share(i), share(s), share(t), makeOp('unfold', [h, s]), makeOp('unfold', [w, t])],
    [i, unfold(h, s), unfold(w, t)],
    [
      [i, s, t],
      [o, i],
    ],
  );
}

/** Every named operator, in a fixed order (1-D interfaces first, then the 2-D ones). */
export function namedOperators(): NamedOperator[] {
  return [dense(), grouped(), lowRank(), depthwiseConv1d(), conv1d(), shiftPointwise(), poolUnpoolPointwise(), groupedConv1d(), conv2d(), depthwiseSeparableConv2d()];
}
