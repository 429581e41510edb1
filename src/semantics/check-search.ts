/**
 * Consistency of a `search` block, and everything the front end derives from it: the size variables
 * and their bindings (read column by column), every size a positive whole number under every binding,
 * an input the primitives can reach, reference operators that read only declared variables, a teacher
 * of the same interface, budgets made absolute (a multiple of a reference operator's exact FLOPs or
 * parameters under the first binding) and above what any operator needs, the fit's small sizes, and
 * the fingerprint bindings (given, or derived: the smallest that keep the sizes whole and distinct).
 *
 * `resolveSearch` does both: with the compile's sink it is the check (codes KAS0630–KAS0645); lowering
 * calls it again on the same checked declaration and gets the memoized result.
 */
import type { DiagnosticSink, Span } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import type { CheckedBody, CheckedDecl, Value } from './evaluate.js';
import { num, spanOf, variant } from './evaluate.js';
import { deriveBinding, monomialKey, monomialValue, monomialMul, monomialVariable, showBindingOf, showMonomial, zipBindings, type Monomial, type SizeBinding } from './search-sizes.js';
import { FULLY_CONNECTED, libraryOperators, libraryVariableKinds, monomialOf, operatorSizes, operatorVariables } from './search-operators.js';
import { operatorFlops, operatorParams } from '../search/cost.js';
import { SEARCH_PRIMITIVES } from './schema.js';
import type { SizeVariableKind } from './evaluate-search.js';

/** The fit solves least squares over input × output element pairs; past this it would not finish. */
export const MAX_FIT_PAIRS = 1 << 20;

export interface SizeAt {
  readonly size: Monomial;
  readonly span: Span;
}

export interface ResolvedBudget {
  /** The absolute limit under the first binding. */
  readonly limit: number;
  /** `factor × operator` when written relative to a reference operator. */
  readonly factor?: number;
  readonly operator?: string;
}

export interface ResolvedSearch {
  readonly name: string;
  readonly variables: readonly { readonly name: string; readonly kind: SizeVariableKind }[];
  readonly bindings: readonly SizeBinding[];
  readonly input: readonly Monomial[];
  readonly output: readonly Monomial[];
  readonly primitives: readonly (typeof SEARCH_PRIMITIVES)[number][];
  readonly reduceSizes: readonly Monomial[];
  readonly blockSizes: readonly Monomial[];
  readonly strideSizes: readonly Monomial[];
  readonly limits: { readonly depth: number; readonly weights: number; readonly reductions: number };
  readonly flops: ResolvedBudget | null;
  readonly params: ResolvedBudget | null;
  readonly fitness: {
    readonly kind: 'teacher' | 'external';
    readonly operator: string;
    readonly samples: number;
    readonly heldOut: number;
    readonly seed: number;
    readonly sweeps: number | null;
    readonly command: string | null;
    readonly binding: SizeBinding;
    readonly bindingDerived: boolean;
  };
  readonly strategy: { readonly name: 'mcts' | 'beam' | 'random' | 'canvas'; readonly evaluations: number; readonly timeSeconds: number | null; readonly threads: number };
  readonly seed: number;
  readonly keep: number;
  readonly kernels: number;
  readonly fingerprintBindings: readonly SizeBinding[];
  readonly fingerprintDerived: boolean;
}

const sizesOf = (v: Value | undefined): SizeAt[] | undefined =>
  v?.k === 'list' ? v.items.flatMap((i) => (i.k === 'size' ? [{ size: i.size, span: i.span! }] : [])) : undefined;

const volume = (sizes: readonly Monomial[], b: SizeBinding): number => sizes.reduce((p, s) => p * (monomialValue(s, b) ?? NaN), 1);

const showInterface = (input: readonly Monomial[], output: readonly Monomial[]) => `[${input.map(showMonomial).join(', ')}] → [${output.map(showMonomial).join(', ')}]`;

/** A binding table: variable → its values, in declaration order, with where each is written. */
function table(body: CheckedBody | undefined): Map<string, { values: number[]; span: Span }> {
  const out = new Map<string, { values: number[]; span: Span }>();
  if (!body) return out;
  for (const [name, v] of body.values) if (v.k === 'list') out.set(name, { values: v.items.map((i) => (i.k === 'num' ? i.v : NaN)), span: spanOf(body, name) });
  return out;
}

function zipOrReport(blockName: string, t: Map<string, { values: number[]; span: Span }>, at: Span, sink: DiagnosticSink): SizeBinding[] | undefined {
  const zipped = zipBindings(new Map([...t].map(([k, v]) => [k, v.values])));
  if (zipped) return zipped;
  const lists = [...t].filter(([, v]) => v.values.length > 1);
  report(sink, 'bindingLengths', { block: blockName, detail: lists.map(([k, v]) => `\`${k}\` has ${v.values.length} values`).join(', ') }, at, {
    help: 'the i-th binding takes the i-th value of every list: give every list the same length, or one value',
  });
  return undefined;
}

/** Resolved once per checked declaration: lowering reads what the check computed. */
const resolved = new WeakMap<CheckedDecl, ResolvedSearch | null>();

export function resolveSearch(d: CheckedDecl, sink: DiagnosticSink): ResolvedSearch | undefined {
  const memo = resolved.get(d);
  if (memo !== undefined) return memo ?? undefined;
  const r = resolveSearchOnce(d, sink);
  resolved.set(d, r ?? null);
  return r;
}

function resolveSearchOnce(d: CheckedDecl, sink: DiagnosticSink): ResolvedSearch | undefined {
  const b = d.body;
  let ok = true;
  const fail = () => {
    ok = false;
  };

  // ── size variables and bindings ────────────────────────────────────────────
  const primary = table(b.blocks.get('sizes'));
  const coeff = table(b.blocks.get('coefficients'));
  const variables: { name: string; kind: SizeVariableKind }[] = [];
  for (const name of primary.keys()) variables.push({ name, kind: 'primary' });
  for (const [name, c] of coeff) {
    if (primary.has(name)) {
      report(sink, 'duplicateSizeVariable', { name }, c.span, { notes: [{ message: 'declared in `sizes` here', span: primary.get(name)!.span }], help: 'a variable is either primary (an interface size) or a coefficient (a small factor)' });
      fail();
    } else variables.push({ name, kind: 'coefficient' });
  }
  const fixedKinds = libraryVariableKinds();
  for (const v of variables) {
    const other = fixedKinds.get(v.name);
    if (other && other !== v.kind) {
      report(sink, 'sizeVariableKind', { name: v.name, kind: v.kind, other, where: 'in the operator library' }, (v.kind === 'primary' ? primary : coeff).get(v.name)!.span, {
        help: `move \`${v.name}\` to \`${other === 'primary' ? 'sizes' : 'coefficients'} { … }\`, or rename it`,
      });
      fail();
    }
  }
  const all = new Map([...primary, ...coeff]);
  const bindings = zipOrReport('sizes` and `coefficients', all, b.blocks.get('sizes')?.headerSpan ?? b.headerSpan, sink);
  if (!bindings) fail();

  // ── interface and the sizes the primitives may introduce ───────────────────
  const input = sizesOf(b.values.get('input'));
  const output = sizesOf(b.values.get('output'));
  const written = (f: string) => b.values.has(f);
  const coefficientSizes = variables.filter((v) => v.kind === 'coefficient').map((v) => monomialVariable(v.name));
  const reduceAt = sizesOf(b.values.get('reduce_sizes'));
  const blockAt = sizesOf(b.values.get('block_sizes'));
  const strideAt = sizesOf(b.values.get('stride_sizes'));
  if (!input || !output || (written('reduce_sizes') && !reduceAt) || (written('block_sizes') && !blockAt) || (written('stride_sizes') && !strideAt)) return undefined;
  const dedupe = (ms: Monomial[]) => [...new Map(ms.map((m) => [monomialKey(m), m])).values()];
  const reduceSizes = reduceAt ? reduceAt.map((s) => s.size) : dedupe([...input.map((s) => s.size), ...coefficientSizes]);
  const blockSizes = blockAt ? blockAt.map((s) => s.size) : coefficientSizes;
  const strideSizes = strideAt ? strideAt.map((s) => s.size) : [];

  if (bindings) {
    const where = (i: number) => (bindings.length === 1 ? 'under the binding' : `under binding ${i + 1}`);
    for (const s of [...input, ...output, ...(reduceAt ?? []), ...(blockAt ?? []), ...(strideAt ?? [])]) {
      const bad = bindings.findIndex((bb) => monomialValue(s.size, bb) === null);
      if (bad >= 0) {
        report(sink, 'sizeNotInteger', { size: showMonomial(s.size), where: where(bad), binding: showBindingOf(s.size, bindings[bad]!) }, s.span, { help: 'every size must divide evenly under every binding: change the binding or the size' });
        fail();
      }
    }
  }

  // Bottom-up from the output, a variable enters only through an output size, a reduction or a merge block.
  const reachable = new Set([...output.map((s) => s.size), ...reduceSizes, ...blockSizes, ...strideSizes].flatMap((m) => m.vars.map(([v]) => v)));
  for (const s of input) {
    const missing = s.size.vars.find(([v]) => !reachable.has(v));
    if (missing) {
      report(sink, 'inputUnreachable', { size: showMonomial(s.size), variable: missing[0] }, s.span, { help: `add a size with \`${missing[0]}\` to \`reduce_sizes\`` });
      fail();
    }
  }

  // ── reference operators: teacher and budget yardsticks ─────────────────────
  const declared = new Map(variables.map((v) => [v.name, v.kind]));
  const searchIn = input.map((s) => s.size);
  const searchOut = output.map((s) => s.size);
  const referenceUsable = (name: string, span: Span): boolean => {
    if (name === FULLY_CONNECTED) return true;
    const op = libraryOperators().get(name);
    if (!op) return false;
    for (const [v] of operatorVariables(op.iface, op.operator)) {
      if (!declared.has(v)) {
        report(sink, 'operatorUnbound', { operator: name, variable: v }, span, { help: `declare \`${v}\` in the search, or choose another reference operator` });
        return false;
      }
    }
    if (bindings) {
      for (const s of operatorSizes(op.iface, op.operator)) {
        const bad = bindings.findIndex((bb) => monomialValue(s, bb) === null);
        if (bad >= 0) {
          report(sink, 'sizeNotInteger', { size: showMonomial(s), where: `in \`${name}\` under binding ${bad + 1}`, binding: showBindingOf(s, bindings[bad]!) }, span);
          return false;
        }
      }
    }
    return true;
  };
  const referenceCost = (name: string, what: 'flops' | 'params', binding: SizeBinding): number => {
    if (name === FULLY_CONNECTED) {
      // Every output element reads every input element through its own weight: |in|·|out| weights,
      // |in|·|out| multiplies and (|in| − 1)·|out| adds (src/search/cost.ts counts dense the same way).
      const i = volume(searchIn, binding);
      const o = volume(searchOut, binding);
      return what === 'params' ? i * o : o * (2 * i - 1);
    }
    const op = libraryOperators().get(name)!;
    return what === 'params' ? operatorParams(op.operator, binding) : operatorFlops(op.operator, binding).flops;
  };

  const fit = variant(b, 'fitness');
  const teacherValue = fit?.body.values.get('operator');
  const teacher = teacherValue?.k === 'operator' ? teacherValue : undefined;
  if (fit && !teacher) return undefined;
  if (teacher && teacher.name !== FULLY_CONNECTED) {
    // The interface first: a teacher of another interface is the mistake, not the variables it reads.
    const op = libraryOperators().get(teacher.name)!;
    const tIn = op.iface.inputs.map((x) => monomialOf(x.size));
    const tOut = op.iface.outputs.map((x) => monomialOf(x.size));
    const same = (a: Monomial[], c: readonly Monomial[]) => a.length === c.length && a.every((m, i) => monomialKey(m) === monomialKey(c[i]!));
    if (!same(tIn, searchIn) || !same(tOut, searchOut)) {
      report(sink, 'teacherInterface', { operator: teacher.name, teacher: showInterface(tIn, tOut), search: showInterface(searchIn, searchOut) }, teacher.span!, {
        help: `write the search's \`input\` and \`output\` in the teacher's variables, or use \`${FULLY_CONNECTED}\`, the general linear operator of any interface`,
      });
      fail();
    } else if (!referenceUsable(teacher.name, teacher.span!)) fail();
  }

  const budgetBody = b.blocks.get('budget');
  const resolveBudget = (field: 'flops' | 'params'): ResolvedBudget | null | undefined => {
    const v = budgetBody?.values.get(field);
    if (!v) return budgetBody?.fieldSpans.has(field) ? undefined : null;
    if (v.k !== 'budget') return undefined;
    if (v.operator === undefined) return { limit: v.factor };
    if (!referenceUsable(v.operator, v.span!) || !bindings) return undefined;
    return { limit: v.factor * referenceCost(v.operator, field, bindings[0]!), factor: v.factor, operator: v.operator };
  };
  const flops = resolveBudget('flops');
  const params = resolveBudget('params');
  if (flops === undefined || params === undefined) fail();
  if (flops && bindings) {
    // Every output element is at least one multiply of an input element by a weight.
    const least = volume(searchOut, bindings[0]!);
    if (Number.isFinite(least) && flops.limit < least) {
      report(sink, 'budgetBelowMinimum', { field: 'FLOPs', budget: `${fmt(flops.limit)} FLOP`, minimum: `${fmt(least)} FLOP`, why: 'one multiply per output element under the first binding' }, spanOf(budgetBody!, 'flops'), { help: 'no operator can meet it: raise the budget' });
      fail();
    }
  }

  // ── fitness: the fit's small sizes ─────────────────────────────────────────
  const listed = dedupe([...searchIn, ...searchOut, ...reduceSizes, ...blockSizes, ...strideSizes, ...coefficientSizes]);
  const quotients = bindings ? mergeQuotients([...searchIn, ...searchOut, ...reduceSizes], blockSizes, bindings) : [];
  const whole = (bb: SizeBinding, extra: readonly Monomial[] = []) => [...listed, ...quotients, ...extra].every((s) => monomialValue(s, bb) !== null);
  const teacherSizes = teacher && teacher.name !== FULLY_CONNECTED ? operatorSizes(libraryOperators().get(teacher.name)!.iface, libraryOperators().get(teacher.name)!.operator) : [];

  let fitBinding: SizeBinding | undefined;
  let fitDerived = false;
  const fitSizesBody = fit?.body.blocks.get('sizes');
  if (fit && bindings && ok) {
    const given: Record<string, number> = {};
    for (const [name, v] of fitSizesBody?.values ?? []) {
      if (!declared.has(name)) {
        report(sink, 'unknownSizeVariable', { name }, spanOf(fitSizesBody!, name), { help: `the search declares ${[...declared.keys()].map((n) => '`' + n + '`').join(', ')}` });
        fail();
      } else if (v.k === 'num') given[name] = v.v;
    }
    const first = bindings[0]!;
    for (const v of variables) if (v.kind === 'coefficient' && given[v.name] === undefined) given[v.name] = first[v.name]!;
    const open = variables.filter((v) => given[v.name] === undefined);
    // Narrower ranges for more free variables keep the enumeration within deriveBinding's bound.
    const hi = open.length <= 2 ? 64 : open.length === 3 ? 32 : 16;
    const free = open.map((v) => [v.name, range(8, hi)] as const);
    fitDerived = free.length > 0;
    const pairs = (bb: SizeBinding) => volume(searchIn, bb) * volume(searchOut, bb);
    fitBinding =
      free.length === 0
        ? given
        : (deriveBinding({ free, fixed: given, accept: (bb) => whole(bb, teacherSizes), cost: pairs, limit: 200_000 }) ?? undefined);
    if (!fitBinding) {
      report(sink, 'fingerprintUnderivable', { detail: `fit: no sizes from 8 to ${hi} keep every size whole` }, fitSizesBody?.headerSpan ?? fit.body.headerSpan, { help: 'give them: `sizes { … }` inside the fitness' });
      fail();
    } else {
      const bad = [...listed, ...teacherSizes].find((s) => monomialValue(s, fitBinding!) === null);
      if (bad) {
        report(sink, 'sizeNotInteger', { size: showMonomial(bad), where: 'in the fit', binding: showBindingOf(bad, fitBinding) }, fitSizesBody?.headerSpan ?? fit.body.headerSpan);
        fail();
      } else if (pairs(fitBinding) > MAX_FIT_PAIRS) {
        report(sink, 'fitTooLarge', { elements: fmt(pairs(fitBinding)), max: fmt(MAX_FIT_PAIRS) }, fitSizesBody?.headerSpan ?? fit.body.headerSpan, { help: 'the fit needs small sizes only: 8 to 64 per variable is plenty' });
        fail();
      }
    }
  }

  // ── fingerprint bindings ───────────────────────────────────────────────────
  let fingerprintBindings: SizeBinding[] | undefined;
  let fingerprintDerived = false;
  const fpBody = b.blocks.get('fingerprint');
  if (bindings && ok) {
    if (fpBody) {
      const t = table(fpBody);
      for (const [name, v] of t) {
        if (!declared.has(name)) {
          report(sink, 'unknownSizeVariable', { name }, v.span, { help: `the search declares ${[...declared.keys()].map((n) => '`' + n + '`').join(', ')}` });
          fail();
        }
      }
      for (const v of variables) {
        if (!t.has(v.name)) {
          report(sink, 'bindingIncomplete', { block: 'fingerprint', variable: v.name }, fpBody.headerSpan, { help: `add \`${v.name} = …\`` });
          fail();
        }
      }
      const zipped = ok ? zipOrReport('fingerprint', t, fpBody.headerSpan, sink) : undefined;
      if (zipped) {
        for (const [i, fb] of zipped.entries()) {
          const bad = listed.find((s) => monomialValue(s, fb) === null);
          if (bad) {
            report(sink, 'sizeNotInteger', { size: showMonomial(bad), where: `under fingerprint binding ${i + 1}`, binding: showBindingOf(bad, fb) }, fpBody.headerSpan);
            fail();
          }
        }
        if (ok) {
          for (const [a, c] of collisions(listed, zipped)) {
            report(sink, 'fingerprintCollision', { a: showMonomial(a), b: showMonomial(c) }, fpBody.headerSpan, { help: 'add a binding on which they differ' });
          }
          fingerprintBindings = zipped;
        }
      } else fail();
    } else if (ok) {
      fingerprintBindings = deriveFingerprintBindings(variables, bindings, listed, whole);
      fingerprintDerived = true;
      if (!fingerprintBindings) {
        report(sink, 'fingerprintUnderivable', { detail: 'fingerprint: no two small bindings keep every size whole and tell distinct sizes apart' }, b.headerSpan, { help: `give them: \`fingerprint { ${variables.map((v, i) => `${v.name} = [${2 + i}, ${3 + i}]`).join('  ')} }\`, each size whole under both` });
        fail();
      }
    }
  }

  const strategy = variant(b, 'strategy');
  if (!ok || !bindings || !fit || !teacher || !fitBinding || !fingerprintBindings || flops === undefined || params === undefined || !strategy) return undefined;
  const prims = b.values.get('primitives');
  const seed = num(b, 'seed') ?? 1;
  const limits = b.blocks.get('limits');
  const command = fit.body.values.get('command');
  return {
    name: d.name,
    variables,
    bindings,
    input: searchIn,
    output: searchOut,
    primitives: prims?.k === 'list' ? [...new Set(prims.items.flatMap((i) => (i.k === 'enum' ? [i.name as (typeof SEARCH_PRIMITIVES)[number]] : [])))] : [...SEARCH_PRIMITIVES],
    reduceSizes,
    blockSizes,
    strideSizes,
    limits: { depth: (limits && num(limits, 'depth')) ?? 6, weights: (limits && num(limits, 'weights')) ?? 2, reductions: (limits && num(limits, 'reductions')) ?? 2 },
    flops,
    params,
    fitness: {
      kind: fit.name as 'teacher' | 'external',
      operator: teacher.name,
      samples: num(fit.body, 'samples') ?? 256,
      heldOut: num(fit.body, 'held_out') ?? 64,
      seed: num(fit.body, 'seed') ?? seed,
      sweeps: num(fit.body, 'sweeps') ?? null,
      command: command?.k === 'str' ? command.v : null,
      binding: fitBinding,
      bindingDerived: fitDerived,
    },
    strategy: { name: strategy.name as ResolvedSearch['strategy']['name'], evaluations: num(strategy.body, 'evaluations') ?? 500, timeSeconds: num(strategy.body, 'time') ?? null, threads: num(strategy.body, 'threads') ?? 1 },
    seed,
    keep: num(b, 'keep') ?? 10,
    kernels: num(b, 'kernels') ?? 3,
    fingerprintBindings,
    fingerprintDerived,
  };
}

/** Checks every search of a program, and that no variable is primary in one search and coefficient in another. */
export function checkSearches(decls: readonly CheckedDecl[], sink: DiagnosticSink): void {
  const kinds = new Map<string, { kind: SizeVariableKind; search: string }>();
  for (const d of decls) {
    if (d.keyword !== 'search') continue;
    const r = resolveSearch(d, sink);
    if (!r) continue;
    for (const v of r.variables) {
      const prior = kinds.get(v.name);
      if (prior && prior.kind !== v.kind) {
        const block = d.body.blocks.get(v.kind === 'primary' ? 'sizes' : 'coefficients')!;
        report(sink, 'sizeVariableKind', { name: v.name, kind: v.kind, other: prior.kind, where: `in search \`${prior.search}\`` }, spanOf(block, v.name), { help: 'a name means one kind of variable in a whole program: rename one' });
      } else if (!prior) kinds.set(v.name, { kind: v.kind, search: d.name });
    }
  }
}

/**
 * a/B for the sizes a merge may split, kept when whole under every user binding (one level: a second
 * merge of a merged size must also divide under the small bindings, or it is not offered).
 */
function mergeQuotients(sizes: readonly Monomial[], blocks: readonly Monomial[], bindings: readonly SizeBinding[]): Monomial[] {
  const out: Monomial[] = [];
  for (const a of sizes) {
    for (const B of blocks) {
      const q = monomialMul(a, B, true);
      if (bindings.every((bb) => monomialValue(q, bb) !== null)) out.push(q);
    }
  }
  return out;
}

/** Pairs of different sizes equal under every binding of `bs`. */
function collisions(sizes: readonly Monomial[], bs: readonly SizeBinding[]): [Monomial, Monomial][] {
  const out: [Monomial, Monomial][] = [];
  for (let i = 0; i < sizes.length; i++) {
    for (let j = i + 1; j < sizes.length; j++) {
      if (bs.every((bb) => monomialValue(sizes[i]!, bb) === monomialValue(sizes[j]!, bb))) out.push([sizes[i]!, sizes[j]!]);
    }
  }
  return out;
}

/**
 * Two small bindings for the fingerprint: the cheapest (smallest sum of the listed sizes, fewest of
 * them equal) under which every listed size and every merge quotient that is whole under the user's
 * bindings stays whole, then the cheapest one that moves every variable and separates every pair of
 * sizes the first one makes equal.
 */
function deriveFingerprintBindings(
  variables: readonly { name: string; kind: SizeVariableKind }[],
  bindings: readonly SizeBinding[],
  listed: readonly Monomial[],
  whole: (b: SizeBinding) => boolean,
): SizeBinding[] | undefined {
  const usesOne = (v: string) => bindings.some((bb) => bb[v] === 1);
  const primaries = variables.filter((v) => v.kind === 'primary').length;
  // Small ranges first, wider only when they hold no answer: most specs are settled below 8.
  for (const hi of primaries <= 2 ? [8, 32] : primaries === 3 ? [8, 16] : [6, 10]) {
    const free = variables.map((v) => [v.name, v.kind === 'primary' ? range(2, hi) : range(usesOne(v.name) ? 1 : 2, 6)] as const);
    const found = fingerprintPair(variables, listed, whole, free);
    if (found) return found;
  }
  return undefined;
}

function fingerprintPair(
  variables: readonly { name: string; kind: SizeVariableKind }[],
  listed: readonly Monomial[],
  whole: (b: SizeBinding) => boolean,
  free: readonly (readonly [string, readonly number[]])[],
): SizeBinding[] | undefined {
  // Sizes that coincide make the index relation coarser: the first binding avoids them where it can.
  const cost = (bb: SizeBinding) => listed.reduce((p, s) => p + (monomialValue(s, bb) ?? 0), 0) + 1000 * collisions(listed, [bb]).length;
  const first = deriveBinding({ free, fixed: {}, accept: whole, cost });
  if (!first) return undefined;
  const equalPairs = collisions(listed, [first]);
  const separates = (bb: SizeBinding) => whole(bb) && equalPairs.every(([a, c]) => monomialValue(a, bb) !== monomialValue(c, bb));
  // Every variable moves, so no variable is mistaken for a constant; failing that, at least one does.
  const second =
    deriveBinding({ free, fixed: {}, accept: (bb) => variables.every((v) => bb[v.name] !== first[v.name]) && separates(bb), cost }) ??
    deriveBinding({ free, fixed: {}, accept: (bb) => variables.some((v) => bb[v.name] !== first[v.name]) && separates(bb), cost });
  return second ? [first, second] : undefined;
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}
