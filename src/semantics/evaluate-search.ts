/**
 * The value kinds only a `search` block has, evaluated for src/semantics/evaluate.ts: symbolic sizes
 * (`C/g`, `2*k`: products and quotients of the block's size variables and whole numbers), names of
 * reference operators (`dense`), and budgets (`0.5 * dense`, `2 GFLOP`). Names in a size resolve to the
 * variables declared in the search's `sizes { … }` and `coefficients { … }`, then to constants; names
 * in a budget to reference operators first, then as in any expression.
 */
import type * as A from '../syntax/ast.js';
import type { DiagnosticSink, Span } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import { DIMENSIONLESS, describeDimension, divideDimensions, exampleUnit, isDimensionless, multiplyDimensions, sameDimension, type Dimension } from './units.js';
import { closest, didYouMean } from './suggest.js';
import { monomialConstant, monomialMul, monomialVariable, type Monomial } from './search-sizes.js';
import { referenceOperatorNames } from './search-operators.js';
import { describeExpr } from './describe-type.js';

export type SizeVariableKind = 'primary' | 'coefficient';

export interface SearchEvalContext {
  readonly sink: DiagnosticSink;
  /** The size variables of the enclosing search, by name; undefined outside a search. */
  readonly variables: ReadonlyMap<string, SizeVariableKind> | undefined;
  /** Evaluates a plain numeric expression in the field's scope (constants, arithmetic, units). */
  numeric(e: A.Expr): { readonly v: number; readonly dim: Dimension } | undefined;
  /** True when `name` resolves outside the search (a constant or declaration in scope). */
  resolvesElsewhere(name: string): boolean;
}

export type SizeValue = { readonly k: 'size'; readonly size: Monomial; readonly span?: Span };
export type OperatorValue = { readonly k: 'operator'; readonly name: string; readonly span?: Span };
/** An absolute budget (`operator` absent) or `factor` times the reference operator's cost. */
export type BudgetValue = { readonly k: 'budget'; readonly factor: number; readonly operator?: string; readonly span?: Span };

/** A size: a monomial over the search's variables and positive whole numbers. */
export function evaluateSize(e: A.Expr, ctx: SearchEvalContext, field: string): SizeValue | undefined {
  const m = size(e, ctx, field);
  return m ? { k: 'size', size: m, span: e.span } : undefined;
}

function size(e: A.Expr, ctx: SearchEvalContext, field: string): Monomial | undefined {
  switch (e.kind) {
    case 'Missing':
      return undefined;
    case 'Number':
      if (e.unit) {
        report(ctx.sink, 'wrongValueKind', { field, expected: 'a size such as `C/g`', found: 'a quantity' }, e.span, { help: 'sizes count elements: remove the unit' });
        return undefined;
      }
      return wholeNumber(e.value, e.span, ctx, field);
    case 'Ref': {
      const name = e.path[0]!.name;
      if (e.path.length === 1 && ctx.variables?.has(name)) return monomialVariable(name);
      if (e.path.length > 1 || ctx.resolvesElsewhere(name)) {
        const v = ctx.numeric(e);
        if (!v) return undefined;
        if (!isDimensionless(v.dim)) {
          report(ctx.sink, 'wrongValueKind', { field, expected: 'a size such as `C/g`', found: describeDimension(v.dim) }, e.span);
          return undefined;
        }
        return wholeNumber(v.v, e.span, ctx, field);
      }
      const names = [...(ctx.variables?.keys() ?? [])];
      report(ctx.sink, 'unknownSizeVariable', { name }, e.span, {
        help: didYouMean(name, names) ?? (names.length ? `the search declares ${names.map((n) => '`' + n + '`').join(', ')}; declare \`${name}\` in \`sizes { … }\` or \`coefficients { … }\`` : `declare it in the search: \`sizes { ${name} = … }\` or \`coefficients { ${name} = … }\``),
      });
      return undefined;
    }
    case 'Binary': {
      if (e.op === '+' || e.op === '-') {
        report(ctx.sink, 'sizeNotMonomial', { op: e.op }, e.span, { help: 'a size is a product or quotient of variables and whole numbers, such as `C/g` or `2*k`; declare a new variable for a sum' });
        return undefined;
      }
      const l = size(e.left, ctx, field);
      const r = size(e.right, ctx, field);
      if (!l || !r) return undefined;
      return monomialMul(l, r, e.op === '/');
    }
    case 'Unary':
      report(ctx.sink, 'sizeNotMonomial', { op: '-' }, e.span, { help: 'sizes are positive' });
      return undefined;
    default:
      report(ctx.sink, 'wrongValueKind', { field, expected: 'a size such as `C/g`', found: describeExpr(e) }, e.span);
      return undefined;
  }
}

function wholeNumber(v: number, span: Span, ctx: SearchEvalContext, field: string): Monomial | undefined {
  if (!Number.isSafeInteger(v) || v < 1) {
    report(ctx.sink, 'outOfRange', { field, value: String(v), bound: 'a positive whole number (a size factor)' }, span);
    return undefined;
  }
  return monomialConstant(v);
}

/** The name of a reference operator: `dense`, `depthwise_conv1d`, `fully_connected`. */
export function evaluateOperatorName(e: A.Expr, ctx: SearchEvalContext, field: string): OperatorValue | undefined {
  if (e.kind === 'Missing') return undefined;
  if (e.kind !== 'Ref' || e.path.length !== 1) {
    report(ctx.sink, 'wrongValueKind', { field, expected: 'the name of a reference operator such as `dense`', found: describeExpr(e) }, e.span);
    return undefined;
  }
  const name = e.path[0]!.name;
  const names = referenceOperatorNames();
  if (!names.includes(name)) {
    reportUnknownOperator(name, e.span, ctx);
    return undefined;
  }
  return { k: 'operator', name, span: e.span };
}

function reportUnknownOperator(name: string, span: Span, ctx: SearchEvalContext): void {
  const names = referenceOperatorNames();
  const meant = closest(name, names);
  report(ctx.sink, 'unknownReferenceOperator', { name }, span, { help: meant ? `did you mean \`${meant}\`?` : `the library has ${names.map((n) => '`' + n + '`').join(', ')}` });
}

/**
 * A budget: `factor * OPERATOR`, `OPERATOR * factor`, `OPERATOR / n`, `OPERATOR`, or an absolute figure
 * of the field's dimension (`2 GFLOP`; parameters are plain numbers).
 */
export function evaluateBudget(e: A.Expr, ctx: SearchEvalContext, dim: Dimension, field: string): BudgetValue | undefined {
  if (e.kind === 'Missing') return undefined;
  const r = budget(e, ctx, dim, field);
  if (!r) return undefined;
  if (r.operator === undefined) {
    if (!sameDimension(r.dim, dim)) {
      const unit = exampleUnit(dim);
      report(ctx.sink, 'wrongDimension', { field, expected: describeDimension(dim), found: describeDimension(r.dim) }, e.span, {
        help: isDimensionless(r.dim) && unit ? `add a unit (\`${r.factor} ${unit}\`) or name a reference operator (\`0.5 * dense\`)` : isDimensionless(dim) ? 'parameters are a plain count: remove the unit' : undefined,
      });
      return undefined;
    }
  } else if (!isDimensionless(r.dim)) {
    report(ctx.sink, 'budgetForm', { field }, e.span, { help: 'the factor of a reference operator is a plain number: `0.5 * dense`' });
    return undefined;
  }
  if (!Number.isFinite(r.factor) || r.factor <= 0) {
    report(ctx.sink, 'outOfRange', { field, value: String(r.factor), bound: 'greater than 0' }, e.span);
    return undefined;
  }
  return { k: 'budget', factor: r.factor, ...(r.operator !== undefined ? { operator: r.operator } : {}), span: e.span };
}

type Partial = { factor: number; dim: Dimension; operator?: string };

function mentionsOperator(e: A.Expr): boolean {
  if (e.kind === 'Ref') return e.path.length === 1 && referenceOperatorNames().includes(e.path[0]!.name);
  if (e.kind === 'Binary') return mentionsOperator(e.left) || mentionsOperator(e.right);
  if (e.kind === 'Unary') return mentionsOperator(e.operand);
  return false;
}

function budget(e: A.Expr, ctx: SearchEvalContext, dim: Dimension, field: string): Partial | undefined {
  if (!mentionsOperator(e)) {
    // A misspelt operator name reads better as such than as an unknown constant.
    if (e.kind === 'Ref' && e.path.length === 1 && !ctx.resolvesElsewhere(e.path[0]!.name)) {
      reportUnknownOperator(e.path[0]!.name, e.span, ctx);
      return undefined;
    }
    const v = ctx.numeric(e);
    return v ? { factor: v.v, dim: v.dim } : undefined;
  }
  if (e.kind === 'Ref') return { factor: 1, dim: DIMENSIONLESS, operator: e.path[0]!.name };
  if (e.kind === 'Binary' && (e.op === '*' || e.op === '/')) {
    const l = budget(e.left, ctx, dim, field);
    const r = budget(e.right, ctx, dim, field);
    if (!l || !r) return undefined;
    if (r.operator !== undefined && (e.op === '/' || l.operator !== undefined)) {
      report(ctx.sink, 'budgetForm', { field }, e.span, { help: 'scale one reference operator by a number: `0.5 * dense` or `dense / 2`' });
      return undefined;
    }
    if (e.op === '/' && r.factor === 0) {
      report(ctx.sink, 'divisionByZero', {}, e.right.span);
      return undefined;
    }
    const factor = e.op === '*' ? l.factor * r.factor : l.factor / r.factor;
    return { factor, dim: e.op === '*' ? multiplyDimensions(l.dim, r.dim) : divideDimensions(l.dim, r.dim), operator: l.operator ?? r.operator! };
  }
  report(ctx.sink, 'budgetForm', { field }, e.span, { help: 'scale one reference operator by a number (`0.5 * dense`, `dense / 2`) or give an absolute figure' });
  return undefined;
}
