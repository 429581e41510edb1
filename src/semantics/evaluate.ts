/**
 * Gives every declaration its meaning: each field is checked against its block's schema (known field,
 * right kind of value, right dimension, integer, in range), expressions are evaluated with units, names
 * are resolved through the enclosing blocks and the file's scope, and defaults are filled in. The result
 * is a checked body per declaration: plain values in SI base units, each with the span it came from.
 */
import type * as A from '../syntax/ast.js';
import type { DiagnosticSink, Span } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import { DECLARATION_SCHEMAS, fieldSpecOf, type BlockSchema, type FieldSpec, type FieldType } from './schema.js';
import { evaluateBudget, evaluateOperatorName, evaluateSize, type BudgetValue, type OperatorValue, type SearchEvalContext, type SizeValue, type SizeVariableKind } from './evaluate-search.js';
import { lookupTopLevel, visibleNames, type Declaration, type Program } from './resolve.js';
import { DIMENSIONLESS, UNITS, describeDimension, divideDimensions, exampleUnit, isDimensionless, multiplyDimensions, sameDimension, type Dimension } from './units.js';
import { closest, didYouMean } from './suggest.js';
import { describeExpr, describeType } from './describe-type.js';

export type Value =
  | { readonly k: 'num'; readonly v: number; readonly dim: Dimension; readonly span?: Span }
  | { readonly k: 'bool'; readonly v: boolean; readonly span?: Span }
  | { readonly k: 'str'; readonly v: string; readonly span?: Span }
  | { readonly k: 'shape'; readonly rows: number; readonly cols: number; readonly span?: Span }
  | { readonly k: 'enum'; readonly name: string; readonly span?: Span }
  | { readonly k: 'variant'; readonly name: string; readonly body: CheckedBody; readonly span?: Span }
  | { readonly k: 'ref'; readonly decl: Declaration; readonly span?: Span }
  | { readonly k: 'count'; readonly n: number; readonly item?: Value; readonly span?: Span }
  | { readonly k: 'choose'; readonly of: number; readonly choose: number; readonly span?: Span }
  | { readonly k: 'auto'; readonly span?: Span }
  | { readonly k: 'list'; readonly items: readonly Value[]; readonly span?: Span }
  | SizeValue
  | OperatorValue
  | BudgetValue;

export interface LayerSelector {
  readonly start?: number;
  readonly end?: number;
  readonly step?: number;
  readonly span: Span;
}

export interface CheckedBody {
  readonly schema: BlockSchema;
  /** Every field with a value: written ones and defaults. */
  readonly values: Map<string, Value>;
  /** Spans of the fields written in source (whole `name = value`). */
  readonly fieldSpans: Map<string, Span>;
  readonly blocks: Map<string, CheckedBody>;
  readonly selector?: LayerSelector;
  /** Where the block is named: the declaration name, the sub-block name or the variant name. */
  readonly headerSpan: Span;
  readonly span: Span;
}

export interface CheckedDecl {
  readonly name: string;
  readonly keyword: A.BlockDecl['keyword'];
  readonly decl: A.BlockDecl;
  readonly file: string;
  readonly body: CheckedBody;
}

export interface CheckedProgram {
  readonly program: Program;
  /** Every block declaration of every loaded file, checked, in load order. */
  readonly decls: readonly CheckedDecl[];
  readonly byDecl: ReadonlyMap<A.BlockDecl, CheckedDecl>;
}

interface Scope {
  readonly file: string;
  readonly body?: A.Body;
  readonly schema?: BlockSchema;
  readonly parent?: Scope;
}

/** What a dotted path names along the way: a value, or a block whose members can be looked into. */
type Located = { readonly kind: 'value'; readonly value: Value } | { readonly kind: 'body'; readonly body: A.Body; readonly schema?: BlockSchema; readonly scope: Scope; readonly title: string };

const PENDING = Symbol('pending');

export function evaluateProgram(program: Program, sink: DiagnosticSink): CheckedProgram {
  const ev = new Evaluator(program, sink);
  const decls: CheckedDecl[] = [];
  const byDecl = new Map<A.BlockDecl, CheckedDecl>();
  for (const file of program.files.values()) {
    for (const c of file.ast.consts) ev.constValue(c, file.id);
    for (const b of file.ast.blocks) {
      const checked = ev.declaration(b, file.id);
      decls.push(checked);
      byDecl.set(b, checked);
    }
  }
  return { program, decls, byDecl };
}

function fieldSpan(f: A.Field): Span {
  return f.span.end > f.span.start ? f.span : f.name.span;
}

function describeValue(v: Value): string {
  switch (v.k) {
    case 'num':
      return isDimensionless(v.dim) ? 'a plain number' : describeDimension(v.dim);
    case 'bool':
      return 'a boolean';
    case 'str':
      return 'a string';
    case 'shape':
      return 'a shape';
    case 'enum':
      return `\`${v.name}\``;
    case 'variant':
      return `\`${v.name} { … }\``;
    case 'ref':
      return `the ${v.decl.kind === 'block' ? v.decl.decl.keyword : 'constant'} \`${v.decl.decl.name.name}\``;
    case 'count':
      return 'a count `N x …`';
    case 'choose':
      return '`N choose K`';
    case 'auto':
      return '`auto`';
    case 'list':
      return 'a list';
    case 'size':
      return 'a size';
    case 'operator':
      return `the operator \`${v.name}\``;
    case 'budget':
      return 'a budget';
  }
}


function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

class Evaluator {
  private readonly fieldMemo = new Map<A.Field, Value | null | typeof PENDING>();
  private readonly constMemo = new Map<A.ConstDecl, Value | null | typeof PENDING>();
  private readonly declMemo = new Map<A.BlockDecl, CheckedDecl>();

  constructor(
    private readonly program: Program,
    private readonly sink: DiagnosticSink,
  ) {}

  declaration(b: A.BlockDecl, file: string): CheckedDecl {
    const memo = this.declMemo.get(b);
    if (memo) return memo;
    const schema = DECLARATION_SCHEMAS[b.keyword];
    const scope: Scope = { file, body: b.body, schema };
    const body = this.body(b.body, schema, scope, b.name.span, `${schema.title} \`${b.name.name}\``);
    const checked: CheckedDecl = { name: b.name.name, keyword: b.keyword, decl: b, file, body };
    this.declMemo.set(b, checked);
    return checked;
  }

  constValue(c: A.ConstDecl, file: string): Value | undefined {
    const memo = this.constMemo.get(c);
    if (memo === PENDING) {
      report(this.sink, 'cyclicDefinition', { name: c.name.name }, c.name.span);
      return undefined;
    }
    if (memo !== undefined) return memo ?? undefined;
    this.constMemo.set(c, PENDING);
    const v = this.expr(c.value, { file }, undefined, c.name.name);
    this.constMemo.set(c, v ?? null);
    return v;
  }

  /** Checks a block body against its schema and evaluates every member. */
  body(body: A.Body, schema: BlockSchema, scope: Scope, headerSpan: Span, owner: string, selector?: LayerSelector): CheckedBody {
    const values = new Map<string, Value>();
    const fieldSpans = new Map<string, Span>();
    const blocks = new Map<string, CheckedBody>();
    const seenFields = new Map<string, A.Field>();
    const seenBlocks = new Map<string, A.SubBlock>();
    const candidates = [...Object.keys(schema.fields), ...Object.keys(schema.blocks ?? {})];
    // Names whose absence is already explained: a field written as a block (or the reverse), or the
    // field a misspelt one was meant to be. Saying "missing" too would report one mistake twice.
    const explained = new Set<string>();

    for (const m of body.members) {
      const name = m.name.name;
      if (m.kind === 'Field') {
        const spec = fieldSpecOf(schema, name);
        if (!spec) {
          if (schema.blocks?.[name]) {
            explained.add(name);
            report(this.sink, 'wrongValueKind', { field: name, expected: 'a block', found: 'a value' }, m.name.span, { help: `write \`${name} { … }\`` });
          } else {
            const meant = closest(name, candidates);
            if (meant) explained.add(meant);
            report(this.sink, 'unknownField', { name, owner }, m.name.span, { help: meant ? `did you mean \`${meant}\`?` : `${owner} has ${listNames(candidates)}` });
          }
          // Still evaluate, so mistakes inside are reported too.
          this.field(m, undefined, scope);
          continue;
        }
        const prior = seenFields.get(name);
        if (prior) {
          report(this.sink, 'duplicateField', { name }, m.name.span, { label: 'set again here', notes: [{ message: 'first set here', span: prior.name.span }], help: 'remove one of them' });
          continue;
        }
        seenFields.set(name, m);
        fieldSpans.set(name, fieldSpan(m));
        const v = this.field(m, spec, scope);
        if (v) values.set(name, v);
      } else {
        const spec = schema.blocks?.[name];
        if (!spec) {
          if (schema.fields[name]) {
            explained.add(name);
            report(this.sink, 'unknownBlock', { name, owner }, m.name.span, { help: `\`${name}\` is a field: write \`${name} = …\`` });
          } else {
            const meant = closest(name, candidates);
            if (meant) explained.add(meant);
            report(this.sink, 'unknownBlock', { name, owner }, m.name.span, { help: meant ? `did you mean \`${meant}\`?` : schema.blocks ? `${owner} has the blocks ${listNames(Object.keys(schema.blocks))}` : `${owner} has no nested blocks` });
          }
          continue;
        }
        const prior = seenBlocks.get(name);
        if (prior) {
          report(this.sink, 'duplicateBlock', { name }, m.name.span, { notes: [{ message: 'first given here', span: prior.name.span }] });
          continue;
        }
        seenBlocks.set(name, m);
        let sel: LayerSelector | undefined;
        if (m.selector) {
          if (!spec.selector) {
            report(this.sink, 'unexpectedSelector', { name }, m.selector.span, { help: 'remove the selector' });
          } else if (m.selector.name.name !== spec.selector) {
            report(this.sink, 'unexpectedSelector', { name }, m.selector.name.span, { help: `write \`${name} ${spec.selector}[…] { … }\`` });
          } else {
            sel = this.selector(m.selector.range, scope);
          }
        }
        const inner: Scope = { file: scope.file, body: m.body, schema: spec.schema, parent: scope };
        blocks.set(name, this.body(m.body, spec.schema, inner, m.name.span, spec.schema.title, sel));
      }
    }

    for (const [name, spec] of Object.entries(schema.fields)) {
      if (values.has(name) || seenFields.has(name)) continue;
      if (spec.required && !explained.has(name)) {
        report(this.sink, 'missingField', { name, owner }, headerSpan, { help: `add \`${name} = …\` (${spec.doc})` });
        continue;
      }
      const d = this.defaultValue(spec, scope, headerSpan);
      if (d) values.set(name, d);
    }
    return { schema, values, fieldSpans, blocks, ...(selector ? { selector } : {}), headerSpan, span: body.span };
  }

  private defaultValue(spec: FieldSpec, scope: Scope, at: Span): Value | undefined {
    const d = spec.default;
    if (d === undefined) return undefined;
    const t = spec.type;
    if (typeof d === 'number') {
      if (t.t === 'count') return { k: 'count', n: d };
      return { k: 'num', v: d, dim: t.t === 'quantity' ? t.dim : DIMENSIONLESS };
    }
    if (typeof d === 'boolean') return { k: 'bool', v: d };
    if (t.t === 'intOrAuto' && d === 'auto') return { k: 'auto' };
    if (t.t === 'enum') return { k: 'enum', name: d };
    if (t.t === 'shape') {
      const [rows, cols] = d.split('x').map(Number);
      return { k: 'shape', rows: rows!, cols: cols! };
    }
    if (t.t === 'variant') {
      const schema = t.variants[d]!;
      const empty: A.Body = { members: [], span: at };
      return { k: 'variant', name: d, body: this.body(empty, schema, { file: scope.file, body: empty, schema, parent: scope }, at, schema.title) };
    }
    return { k: 'str', v: d };
  }

  private selector(r: A.RangeExpr, scope: Scope): LayerSelector {
    const bound = (e: A.Expr | undefined, what: string, min: number): number | undefined => {
      if (!e) return undefined;
      const v = this.expr(e, scope, { t: 'int', min }, what);
      return v?.k === 'num' ? v.v : undefined;
    };
    const start = bound(r.start, 'layer range start', 0);
    const end = bound(r.end, 'layer range end', 0);
    const step = bound(r.step, 'layer range step', 1);
    return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}), ...(step !== undefined ? { step } : {}), span: r.span };
  }

  /** Evaluates one field once; a field reached again while being evaluated is a cycle. */
  field(f: A.Field, spec: FieldSpec | undefined, scope: Scope): Value | undefined {
    const memo = this.fieldMemo.get(f);
    if (memo === PENDING) {
      report(this.sink, 'cyclicDefinition', { name: f.name.name }, f.name.span, { help: 'give one of the fields a value that does not depend on the other' });
      return undefined;
    }
    if (memo !== undefined) return memo ?? undefined;
    this.fieldMemo.set(f, PENDING);
    const v = this.expr(f.value, scope, spec?.type, f.name.name);
    this.fieldMemo.set(f, v ?? null);
    return v;
  }

  /** Evaluates an expression; with an expected type, also checks the value conforms to it. */
  expr(e: A.Expr, scope: Scope, expected: FieldType | undefined, field: string): Value | undefined {
    if (expected) {
      switch (expected.t) {
        case 'enum':
        case 'variant':
          return this.choice(e, scope, expected, field);
        case 'ref':
          return this.reference(e, scope, expected.kind, field);
        case 'count':
          return this.count(e, scope, expected, field);
        case 'choose':
          return this.choose(e, scope, field);
        case 'list':
          return this.list(e, scope, expected, field);
        case 'size':
          return evaluateSize(e, this.searchContext(scope, field), field);
        case 'operator':
          return evaluateOperatorName(e, this.searchContext(scope, field), field);
        case 'budget':
          return evaluateBudget(e, this.searchContext(scope, field), expected.dim, field);
        case 'intOrAuto':
          if (e.kind === 'Ref' && e.path.length === 1 && e.path[0]!.name === 'auto') return { k: 'auto', span: e.span };
          return this.conform(this.value(e, scope, field), { t: 'int', ...(expected.min !== undefined ? { min: expected.min } : {}) }, field, e.span);
        default:
          return this.conform(this.value(e, scope, field), expected, field, e.span);
      }
    }
    return this.value(e, scope, field);
  }

  /** `[a, b, c]`, each item of the list's item type; with `single`, a bare item is a list of one. */
  private list(e: A.Expr, scope: Scope, t: Extract<FieldType, { t: 'list' }>, field: string): Value | undefined {
    if (e.kind === 'Missing') return undefined;
    if (e.kind !== 'List') {
      if (t.single) {
        const v = this.expr(e, scope, t.item, field);
        return v ? { k: 'list', items: [v], span: e.span } : undefined;
      }
      report(this.sink, 'wrongValueKind', { field, expected: describeType(t), found: describeExpr(e) }, e.span, { help: 'write the items in brackets: `[a, b]`' });
      return undefined;
    }
    const items = e.items.map((i) => this.expr(i, scope, t.item, field));
    if (items.some((i) => i === undefined)) return undefined;
    if (t.min !== undefined && items.length < t.min) {
      report(this.sink, 'outOfRange', { field, value: `a list of ${items.length}`, bound: `at least ${t.min} item${t.min === 1 ? '' : 's'}` }, e.span);
      return undefined;
    }
    return { k: 'list', items: items as Value[], span: e.span };
  }

  /** What a search-only value kind needs from the evaluator: the search's size variables, numeric evaluation. */
  private searchContext(scope: Scope, field: string): SearchEvalContext {
    let root = scope;
    while (root.parent) root = root.parent;
    return {
      sink: this.sink,
      variables: root.schema === DECLARATION_SCHEMAS.search && root.body ? searchVariables(root.body) : undefined,
      numeric: (e) => {
        const v = this.value(e, scope, field);
        if (!v) return undefined;
        if (v.k !== 'num') return this.notArithmetic(v, field, e.span);
        return v;
      },
      resolvesElsewhere: (name) => {
        for (let s: Scope | undefined = scope; s; s = s.parent) if (s.body?.members.some((m) => m.name.name === name)) return true;
        const { found, ambiguous } = lookupTopLevel(this.program, scope.file, name);
        return found !== undefined || ambiguous !== undefined;
      },
    };
  }

  private conform(v: Value | undefined, t: FieldType, field: string, span: Span): Value | undefined {
    if (!v) return undefined;
    const wrongKind = () => {
      report(this.sink, 'wrongValueKind', { field, expected: describeType(t), found: describeValue(v) }, span);
      return undefined;
    };
    switch (t.t) {
      case 'bool':
        return v.k === 'bool' ? v : wrongKind();
      case 'string':
        return v.k === 'str' ? v : wrongKind();
      case 'shape':
        return v.k === 'shape' ? v : wrongKind();
      case 'int':
      case 'real': {
        if (v.k !== 'num') return wrongKind();
        if (!isDimensionless(v.dim)) {
          report(this.sink, 'wrongDimension', { field, expected: describeType(t), found: describeDimension(v.dim) }, span, { help: 'remove the unit' });
          return undefined;
        }
        if (t.t === 'int' && !Number.isInteger(v.v)) {
          report(this.sink, 'notAnInteger', { field, value: formatNumber(v.v) }, span);
          return undefined;
        }
        if (!Number.isFinite(v.v)) {
          report(this.sink, 'outOfRange', { field, value: String(v.v), bound: 'finite' }, span);
          return undefined;
        }
        if (t.min !== undefined && (v.v < t.min || (t.t === 'real' && t.exclusiveMin && v.v === t.min))) {
          const bound = t.t === 'real' && t.exclusiveMin ? `greater than ${t.min}` : `at least ${t.min}`;
          report(this.sink, 'outOfRange', { field, value: formatNumber(v.v), bound: t.max !== undefined ? `${bound} and at most ${t.max}` : bound }, span);
          return undefined;
        }
        if (t.max !== undefined && v.v > t.max) {
          report(this.sink, 'outOfRange', { field, value: formatNumber(v.v), bound: `at most ${t.max}` }, span, t.max === 1 ? { help: 'write a fraction such as `0.8` or a percentage such as `80%`' } : {});
          return undefined;
        }
        return v;
      }
      case 'quantity': {
        if (v.k !== 'num') return wrongKind();
        if (!sameDimension(v.dim, t.dim)) {
          const unit = exampleUnit(t.dim);
          let help: string | undefined;
          if (isDimensionless(v.dim) && unit) help = `add a unit: \`${formatNumber(v.v)} ${unit}\``;
          else if (sameDimension(divideDimensions(t.dim, v.dim), [0, -1, 0, 0]) && unit) help = `a rate needs \`/s\`: \`${unit}\``;
          else if (unit) help = `write it in ${describeDimension(t.dim)}, such as \`${unit}\``;
          report(this.sink, 'wrongDimension', { field, expected: describeDimension(t.dim), found: describeDimension(v.dim) }, span, { help });
          return undefined;
        }
        if (!Number.isFinite(v.v)) {
          report(this.sink, 'outOfRange', { field, value: String(v.v), bound: 'finite' }, span);
          return undefined;
        }
        if (t.min !== undefined && v.v < t.min) {
          report(this.sink, 'outOfRange', { field, value: formatNumber(v.v), bound: `at least ${t.min}` }, span);
          return undefined;
        }
        return v;
      }
      default:
        return v;
    }
  }

  /** A plain value: numbers with units, arithmetic, strings, booleans, shapes, references to fields. */
  private value(e: A.Expr, scope: Scope, field: string): Value | undefined {
    switch (e.kind) {
      case 'Number': {
        if (!Number.isFinite(e.value)) {
          report(this.sink, 'invalidNumber', { text: e.text }, e.span);
          return undefined;
        }
        if (!e.unit) return { k: 'num', v: e.value, dim: DIMENSIONLESS, span: e.span };
        const u = UNITS.get(e.unit.name)!;
        return { k: 'num', v: e.value * u.factor, dim: u.dim, span: e.span };
      }
      case 'Shape':
        return { k: 'shape', rows: e.rows, cols: e.cols, span: e.span };
      case 'String':
        return { k: 'str', v: e.value, span: e.span };
      case 'Bool':
        return { k: 'bool', v: e.value, span: e.span };
      case 'Ref': {
        const loc = this.path(e, scope);
        if (!loc) return undefined;
        if (loc.kind === 'body') {
          report(this.sink, 'wrongValueKind', { field, expected: 'a value', found: `the block ${loc.title}` }, e.span, { help: 'name one of its fields: `Block.field`' });
          return undefined;
        }
        // A count read in an expression is its number: `on.nodes * 8`.
        if (loc.value.k === 'count') return { k: 'num', v: loc.value.n, dim: DIMENSIONLESS, span: e.span };
        return loc.value;
      }
      case 'Unary': {
        const v = this.value(e.operand, scope, field);
        if (!v) return undefined;
        if (v.k !== 'num') return this.notArithmetic(v, field, e.operand.span);
        return { k: 'num', v: -v.v, dim: v.dim, span: e.span };
      }
      case 'Binary': {
        const l = this.value(e.left, scope, field);
        const r = this.value(e.right, scope, field);
        if (!l || !r) return undefined;
        if (l.k !== 'num') return this.notArithmetic(l, field, e.left.span);
        if (r.k !== 'num') return this.notArithmetic(r, field, e.right.span);
        switch (e.op) {
          case '+':
          case '-':
            if (!sameDimension(l.dim, r.dim)) {
              report(this.sink, 'mismatchedUnits', { op: e.op === '+' ? 'add' : 'subtract', left: describeDimension(l.dim), right: describeDimension(r.dim) }, e.span);
              return undefined;
            }
            return { k: 'num', v: e.op === '+' ? l.v + r.v : l.v - r.v, dim: l.dim, span: e.span };
          case '*':
            return { k: 'num', v: l.v * r.v, dim: multiplyDimensions(l.dim, r.dim), span: e.span };
          case '/':
            if (r.v === 0) {
              report(this.sink, 'divisionByZero', {}, e.right.span);
              return undefined;
            }
            return { k: 'num', v: l.v / r.v, dim: divideDimensions(l.dim, r.dim), span: e.span };
        }
        return undefined;
      }
      case 'Variant':
        report(this.sink, 'wrongValueKind', { field, expected: 'a value', found: `\`${e.name.name} { … }\`` }, e.name.span);
        return undefined;
      case 'Count':
        report(this.sink, 'wrongValueKind', { field, expected: 'a single value', found: 'a count `N x …`' }, e.span);
        return undefined;
      case 'Choose':
        report(this.sink, 'wrongValueKind', { field, expected: 'a single value', found: '`N choose K`' }, e.span);
        return undefined;
      case 'List':
        report(this.sink, 'wrongValueKind', { field, expected: 'a single value', found: 'a list' }, e.span);
        return undefined;
      case 'Range':
        report(this.sink, 'wrongValueKind', { field, expected: 'a single value', found: 'a range' }, e.span);
        return undefined;
      case 'Missing':
        return undefined;
    }
  }

  private notArithmetic(v: Value, field: string, span: Span): undefined {
    report(this.sink, 'wrongValueKind', { field, expected: 'a number', found: describeValue(v) }, span);
    return undefined;
  }

  /** Resolves `a`, `a.b.c` through the enclosing blocks, then the file's declarations and imports. */
  private path(e: A.RefExpr, scope: Scope): Located | undefined {
    const [head, ...rest] = e.path;
    if (!head) return undefined;
    let loc = this.lookupHead(head, scope);
    if (!loc) return undefined;
    for (const seg of rest) {
      loc = this.member(loc, seg);
      if (!loc) return undefined;
    }
    return loc;
  }

  private lookupHead(head: A.Ident, scope: Scope): Located | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (!s.body) continue;
      const found = this.memberOfBody(s.body, s.schema, s, head.name);
      // null: the member exists but its value failed (its error is already reported); stop looking.
      if (found !== undefined) return found ?? undefined;
    }
    const { found, ambiguous } = lookupTopLevel(this.program, scope.file, head.name);
    if (ambiguous) {
      report(this.sink, 'ambiguousName', { name: head.name }, head.span, {
        notes: ambiguous.map((d) => ({ message: `declared here`, span: d.decl.name.span })),
        help: 'rename one of the declarations',
      });
      return undefined;
    }
    if (!found) {
      const names = [...this.namesInScope(scope), ...visibleNames(this.program, scope.file)];
      report(this.sink, 'unknownName', { name: head.name }, head.span, { help: didYouMean(head.name, names) });
      return undefined;
    }
    if (found.kind === 'const') {
      const v = this.constValue(found.decl, found.file);
      return v ? { kind: 'value', value: { ...v, span: head.span } } : undefined;
    }
    return { kind: 'value', value: { k: 'ref', decl: found, span: head.span } };
  }

  private namesInScope(scope: Scope): string[] {
    const names: string[] = [];
    for (let s: Scope | undefined = scope; s; s = s.parent) for (const m of s.body?.members ?? []) names.push(m.name.name);
    return names;
  }

  /** The member `name` of a body; null when it exists but has no value (its error was reported). */
  private memberOfBody(body: A.Body, schema: BlockSchema | undefined, scope: Scope, name: string): Located | null | undefined {
    for (const m of body.members) {
      if (m.name.name !== name) continue;
      if (m.kind === 'Field') {
        const v = this.field(m, fieldSpecOf(schema, name), scope);
        return v ? { kind: 'value', value: v } : null;
      }
      const sub = schema?.blocks?.[name]?.schema;
      return { kind: 'body', body: m.body, ...(sub ? { schema: sub } : {}), scope: { file: scope.file, body: m.body, ...(sub ? { schema: sub } : {}), parent: scope }, title: `\`${name}\`` };
    }
    // A field left out of the source still has its default.
    const spec = schema?.fields[name];
    if (spec && spec.default !== undefined) {
      const d = this.defaultValue(spec, scope, body.span);
      return d ? { kind: 'value', value: d } : undefined;
    }
    return undefined;
  }

  private member(loc: Located, seg: A.Ident): Located | undefined {
    if (loc.kind === 'body') {
      const found = this.memberOfBody(loc.body, loc.schema, loc.scope, seg.name);
      if (found === null) return undefined;
      if (!found) {
        const owner = loc.title.replace(/`/g, '');
        const spec = loc.schema?.fields[seg.name];
        if (spec) report(this.sink, 'fieldNotSet', { name: seg.name, owner }, seg.span, { help: `set \`${seg.name} = …\` in \`${owner}\` (${spec.doc})` });
        else report(this.sink, 'unknownMember', { name: seg.name, owner }, seg.span, { help: didYouMean(seg.name, [...loc.body.members.map((m) => m.name.name), ...Object.keys(loc.schema?.fields ?? {})]) });
      }
      return found;
    }
    const v = loc.value;
    if (v.k === 'ref' && v.decl.kind === 'block') {
      const b = v.decl.decl;
      const schema = DECLARATION_SCHEMAS[b.keyword];
      const scope: Scope = { file: v.decl.file, body: b.body, schema };
      return this.member({ kind: 'body', body: b.body, schema, scope, title: b.name.name }, seg);
    }
    if (v.k === 'variant') {
      const inner = v.body.values.get(seg.name);
      if (inner) return { kind: 'value', value: inner };
      // Written, but without a value: its own error was reported.
      if (v.body.fieldSpans.has(seg.name)) return undefined;
      report(this.sink, 'unknownMember', { name: seg.name, owner: v.name }, seg.span, { help: didYouMean(seg.name, v.body.values.keys()) });
      return undefined;
    }
    if (v.k === 'count' && v.item) return this.member({ kind: 'value', value: v.item }, seg);
    report(this.sink, 'unknownMember', { name: seg.name, owner: describeValue(v).replace(/`/g, '') }, seg.span);
    return undefined;
  }

  /** An enum name (`sigmoid`) or a variant with settings (`sigmoid { scale = 2.5 }`). */
  private choice(e: A.Expr, scope: Scope, t: Extract<FieldType, { t: 'enum' | 'variant' }>, field: string): Value | undefined {
    const options = t.t === 'enum' ? t.values : Object.keys(t.variants);
    let name: A.Ident | undefined;
    let body: A.Body | undefined;
    if (e.kind === 'Ref' && e.path.length === 1) name = e.path[0]!;
    else if (e.kind === 'Variant') {
      name = e.name;
      body = e.body;
    } else if (e.kind === 'Missing') return undefined;
    if (!name) {
      report(this.sink, 'wrongValueKind', { field, expected: describeType(t), found: describeExpr(e) }, e.span);
      return undefined;
    }
    if (!options.includes(name.name)) {
      const hint = didYouMean(name.name, options) ?? `choose ${options.map((o) => '`' + o + '`').join(', ')}`;
      report(this.sink, 'unknownOption', { name: name.name, field }, name.span, { help: hint });
      return undefined;
    }
    if (t.t === 'enum') {
      if (body) {
        report(this.sink, 'wrongValueKind', { field, expected: describeType(t), found: `\`${name.name} { … }\`` }, e.span, { help: `\`${name.name}\` takes no settings: remove the braces` });
        return undefined;
      }
      return { k: 'enum', name: name.name, span: e.span };
    }
    const schema = t.variants[name.name]!;
    const b: A.Body = body ?? { members: [], span: e.span };
    const inner: Scope = { file: scope.file, body: b, schema, parent: scope };
    return { k: 'variant', name: name.name, body: this.body(b, schema, inner, name.span, schema.title), span: e.span };
  }

  /** A reference to a declaration of a given kind: `model = DeepSeekV3`. */
  private reference(e: A.Expr, scope: Scope, kind: A.BlockDecl['keyword'], field: string): Value | undefined {
    if (e.kind === 'Missing') return undefined;
    if (e.kind !== 'Ref' || e.path.length !== 1) {
      report(this.sink, 'wrongValueKind', { field, expected: `the name of a ${kind}`, found: describeExpr(e) }, e.span);
      return undefined;
    }
    const name = e.path[0]!;
    const { found, ambiguous } = lookupTopLevel(this.program, scope.file, name.name);
    if (ambiguous) {
      report(this.sink, 'ambiguousName', { name: name.name }, name.span, { notes: ambiguous.map((d) => ({ message: 'declared here', span: d.decl.name.span })) });
      return undefined;
    }
    if (!found) {
      const sameKind = this.declarationsOfKind(scope.file, kind);
      const suggestion = closest(name.name, sameKind);
      report(this.sink, 'unknownName', { name: name.name }, name.span, {
        help: suggestion ? `did you mean \`${suggestion}\`?` : sameKind.length ? `${kind}s in scope: ${listNames(sameKind)}` : `declare a \`${kind}\` or import one (for example \`import "${stdlibExample(kind)}"\`)`,
      });
      return undefined;
    }
    const foundKind = found.kind === 'block' ? found.decl.keyword : 'constant';
    if (foundKind !== kind) {
      report(this.sink, 'wrongKindOfReference', { name: name.name, expected: kind, found: foundKind }, name.span, { notes: [{ message: 'declared here', span: found.decl.name.span }] });
      return undefined;
    }
    return { k: 'ref', decl: found, span: e.span };
  }

  private declarationsOfKind(file: string, kind: string): string[] {
    return visibleNames(this.program, file).filter((n) => {
      const d = lookupTopLevel(this.program, file, n).found;
      return d?.kind === 'block' && d.decl.keyword === kind;
    });
  }

  /** `8 x H800`, `8 x ib { … }`, or (where allowed) a bare count. */
  private count(e: A.Expr, scope: Scope, t: Extract<FieldType, { t: 'count' }>, field: string): Value | undefined {
    if (e.kind === 'Missing') return undefined;
    if (e.kind !== 'Count') {
      if (t.countOnly) {
        const n = this.conform(this.value(e, scope, field), { t: 'int', min: 0 }, field, e.span);
        return n?.k === 'num' ? { k: 'count', n: n.v, span: e.span } : undefined;
      }
      report(this.sink, 'wrongValueKind', { field, expected: describeType(t), found: describeExpr(e) }, e.span, { help: `write a count and what is counted, such as \`8 x …\`` });
      return undefined;
    }
    const n = this.conform(this.value(e.count, scope, field), { t: 'int', min: t.countOnly ? 0 : 1 }, field, e.count.span);
    const item = this.expr(e.item, scope, t.item, field);
    if (!n || n.k !== 'num' || !item) return undefined;
    return { k: 'count', n: n.v, item, span: e.span };
  }

  private choose(e: A.Expr, scope: Scope, field: string): Value | undefined {
    if (e.kind === 'Missing') return undefined;
    if (e.kind !== 'Choose') {
      report(this.sink, 'wrongValueKind', { field, expected: '`N choose K`', found: describeExpr(e) }, e.span, { help: 'write the groups and how many each token may use: `8 choose 4`' });
      return undefined;
    }
    const of = this.conform(this.value(e.of, scope, field), { t: 'int', min: 1 }, field, e.of.span);
    const k = this.conform(this.value(e.choose, scope, field), { t: 'int', min: 1 }, field, e.choose.span);
    if (of?.k !== 'num' || k?.k !== 'num') return undefined;
    return { k: 'choose', of: of.v, choose: k.v, span: e.span };
  }
}

/** The size variables a search body declares in `sizes { … }` (primary) and `coefficients { … }`, by name. */
export function searchVariables(body: A.Body): Map<string, SizeVariableKind> {
  const out = new Map<string, SizeVariableKind>();
  for (const m of body.members) {
    if (m.kind !== 'SubBlock' || (m.name.name !== 'sizes' && m.name.name !== 'coefficients')) continue;
    for (const f of m.body.members) if (f.kind === 'Field' && !out.has(f.name.name)) out.set(f.name.name, m.name.name === 'sizes' ? 'primary' : 'coefficient');
  }
  return out;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 8).map((n) => '`' + n + '`');
  return shown.join(', ') + (names.length > 8 ? ', …' : '');
}

function stdlibExample(kind: string): string {
  return kind === 'model' ? 'models/deepseek-v3' : kind === 'gpu' ? 'hardware/h800' : kind === 'node' ? 'hardware/h800' : 'clusters/deepseek-h800';
}

// ── accessors used by the later stages ──────────────────────────────────────

export function num(body: CheckedBody, name: string): number | undefined {
  const v = body.values.get(name);
  return v?.k === 'num' ? v.v : v?.k === 'count' ? v.n : undefined;
}

export function bool(body: CheckedBody, name: string): boolean | undefined {
  const v = body.values.get(name);
  return v?.k === 'bool' ? v.v : undefined;
}

export function enumName(body: CheckedBody, name: string): string | undefined {
  const v = body.values.get(name);
  return v?.k === 'enum' || v?.k === 'variant' ? v.name : undefined;
}

export function variant(body: CheckedBody, name: string): { name: string; body: CheckedBody } | undefined {
  const v = body.values.get(name);
  return v?.k === 'variant' ? v : undefined;
}

/** The span to point at for a field: where it is written, or the block header when it was defaulted. */
export function spanOf(body: CheckedBody, name: string): Span {
  return body.fieldSpans.get(name) ?? body.values.get(name)?.span ?? body.headerSpan;
}
