/**
 * What is at an offset of a parsed file, and in which blocks: the AST walked down to the innermost
 * name under the cursor, carrying the schema of every enclosing block so hover and definition know what
 * a field or option means there. Reads the AST only; meaning comes from the schema.
 */
import type * as A from '../syntax/ast.js';
import { DECLARATION_SCHEMAS, type BlockSchema, type FieldSpec, type FieldType, type SubBlockSpec } from '../semantics/schema.js';

/** One enclosing block: its body and, where the schema knows it, what it may contain. */
export interface Frame {
  readonly body: A.Body;
  readonly schema: BlockSchema | undefined;
}

export type Target =
  | { readonly kind: 'declaration'; readonly decl: A.BlockDecl; readonly span: A.Ident['span'] }
  | { readonly kind: 'keyword'; readonly decl: A.BlockDecl; readonly span: A.Ident['span'] }
  | { readonly kind: 'const'; readonly decl: A.ConstDecl; readonly span: A.Ident['span'] }
  | { readonly kind: 'import'; readonly decl: A.ImportDecl; readonly span: A.Ident['span'] }
  /** A field's name: `kv_lora_rank` in `kv_lora_rank = 512`. */
  | { readonly kind: 'field'; readonly field: A.Field; readonly spec: FieldSpec | undefined; readonly owner: BlockSchema | undefined; readonly frames: readonly Frame[]; readonly span: A.Ident['span'] }
  /** A nested block's name: `moe` in `moe layers[3..] { … }`. */
  | { readonly kind: 'block'; readonly block: A.SubBlock; readonly spec: SubBlockSpec | undefined; readonly frames: readonly Frame[]; readonly span: A.Ident['span'] }
  /** A choice the field offers: `mla` in `attention = mla { … }`, `dualpipe`, `fp8`. */
  | { readonly kind: 'option'; readonly name: A.Ident; readonly field: string; readonly type: Extract<FieldType, { t: 'enum' | 'variant' }>; readonly frames: readonly Frame[]; readonly span: A.Ident['span'] }
  /** One segment of a reference: `hidden`, or `context` in `model.context`. */
  | { readonly kind: 'reference'; readonly ref: A.RefExpr; readonly index: number; readonly expected: FieldType | undefined; readonly frames: readonly Frame[]; readonly span: A.Ident['span'] }
  | { readonly kind: 'unit'; readonly unit: A.Ident; readonly span: A.Ident['span'] };

const inside = (s: { start: number; end: number }, offset: number) => offset >= s.start && offset <= s.end;

/** The name under `offset` (a cursor at either end of a name counts), or undefined. */
export function locate(file: A.KasFile, offset: number): Target | undefined {
  for (const imp of file.imports) if (inside(imp.pathSpan, offset)) return { kind: 'import', decl: imp, span: imp.pathSpan };
  for (const c of file.consts) {
    if (!inside(c.span, offset)) continue;
    if (inside(c.name.span, offset)) return { kind: 'const', decl: c, span: c.name.span };
    return expr(c.value, undefined, '', [], offset);
  }
  for (const b of file.blocks) {
    if (!inside(b.span, offset)) continue;
    if (inside(b.keywordSpan, offset)) return { kind: 'keyword', decl: b, span: b.keywordSpan };
    if (inside(b.name.span, offset)) return { kind: 'declaration', decl: b, span: b.name.span };
    const hit = body(b.body, DECLARATION_SCHEMAS[b.keyword], [], offset);
    if (hit) return hit;
  }
  return undefined;
}

function body(b: A.Body, schema: BlockSchema | undefined, outer: readonly Frame[], offset: number): Target | undefined {
  if (!inside(b.span, offset)) return undefined;
  const frames = [...outer, { body: b, schema }];
  for (const m of b.members) {
    if (!inside(m.span, offset) && !inside(m.name.span, offset)) continue;
    if (m.kind === 'Field') {
      const spec = schema?.fields[m.name.name];
      if (inside(m.name.span, offset)) return { kind: 'field', field: m, spec, owner: schema, frames, span: m.name.span };
      const hit = expr(m.value, spec?.type, m.name.name, frames, offset);
      if (hit) return hit;
    } else {
      const spec = schema?.blocks?.[m.name.name];
      if (inside(m.name.span, offset)) return { kind: 'block', block: m, spec, frames, span: m.name.span };
      if (m.selector) {
        const hit = expr(m.selector.range, undefined, m.name.name, frames, offset);
        if (hit) return hit;
      }
      const hit = body(m.body, spec?.schema, frames, offset);
      if (hit) return hit;
    }
  }
  return undefined;
}

function expr(e: A.Expr | undefined, expected: FieldType | undefined, field: string, frames: readonly Frame[], offset: number): Target | undefined {
  if (!e || !inside(e.span, offset)) return undefined;
  switch (e.kind) {
    case 'Number':
      return e.unit && inside(e.unit.span, offset) ? { kind: 'unit', unit: e.unit, span: e.unit.span } : undefined;
    case 'Ref': {
      if ((expected?.t === 'enum' || expected?.t === 'variant') && e.path.length === 1) {
        return { kind: 'option', name: e.path[0]!, field, type: expected, frames, span: e.path[0]!.span };
      }
      const index = e.path.findIndex((p) => inside(p.span, offset));
      return index < 0 ? undefined : { kind: 'reference', ref: e, index, expected, frames, span: e.path[index]!.span };
    }
    case 'Variant': {
      const choice = expected?.t === 'enum' || expected?.t === 'variant' ? expected : undefined;
      if (inside(e.name.span, offset)) return choice ? { kind: 'option', name: e.name, field, type: choice, frames, span: e.name.span } : undefined;
      return body(e.body, choice?.t === 'variant' ? choice.variants[e.name.name] : undefined, frames, offset);
    }
    case 'Count': {
      const item = expected?.t === 'count' ? expected.item : undefined;
      return expr(e.count, undefined, field, frames, offset) ?? expr(e.item, item, field, frames, offset);
    }
    case 'Binary':
      return expr(e.left, undefined, field, frames, offset) ?? expr(e.right, undefined, field, frames, offset);
    case 'Unary':
      return expr(e.operand, undefined, field, frames, offset);
    case 'Choose':
      return expr(e.of, undefined, field, frames, offset) ?? expr(e.choose, undefined, field, frames, offset);
    case 'List':
      for (const i of e.items) {
        const hit = expr(i, undefined, field, frames, offset);
        if (hit) return hit;
      }
      return undefined;
    case 'Range':
      return expr(e.start, undefined, field, frames, offset) ?? expr(e.end, undefined, field, frames, offset) ?? expr(e.step, undefined, field, frames, offset);
    default:
      return undefined;
  }
}

/**
 * The blocks enclosing `offset`, outermost first, and the file-level item it is in. Used where the
 * cursor is mid-edit and no name is under it (completion after `.`).
 */
export function framesAt(file: A.KasFile, offset: number): Frame[] {
  const b = file.blocks.find((x) => offset > x.body.span.start && offset <= x.body.span.end);
  if (!b) return [];
  const frames: Frame[] = [];
  let body: A.Body | undefined = b.body;
  let schema: BlockSchema | undefined = DECLARATION_SCHEMAS[b.keyword];
  while (body) {
    frames.push({ body, schema });
    const cur: A.Body = body;
    const curSchema: BlockSchema | undefined = schema;
    body = undefined;
    for (const m of cur.members) {
      if (m.kind === 'SubBlock' && offset > m.body.span.start && offset <= m.body.span.end) {
        body = m.body;
        schema = curSchema?.blocks?.[m.name.name]?.schema;
        break;
      }
      if (m.kind === 'Field') {
        const v = m.value.kind === 'Count' ? m.value.item : m.value;
        if (v.kind === 'Variant' && offset > v.body.span.start && offset <= v.body.span.end) {
          const t = curSchema?.fields[m.name.name]?.type;
          const choice = t?.t === 'count' ? t.item : t;
          body = v.body;
          schema = choice?.t === 'variant' ? choice.variants[v.name.name] : undefined;
          break;
        }
      }
    }
  }
  return frames;
}
