/**
 * Where a reference leads, by the evaluator's rule (src/semantics/evaluate.ts): the first segment
 * through the enclosing blocks, innermost first, then the file's declarations and its imports; each
 * further segment is a member of what the previous one names (a declaration, a nested block, a
 * variant's settings, or the declaration a field refers to). Follows the AST, so it works on files
 * with errors too.
 */
import type * as A from '../syntax/ast.js';
import { DECLARATION_SCHEMAS, type BlockSchema, type FieldSpec } from '../semantics/schema.js';
import { lookupTopLevel, type Declaration, type Program } from '../semantics/resolve.js';
import type { Frame } from './locate.js';

export type Definition =
  /** A top-level declaration or constant. */
  | { readonly kind: 'declaration'; readonly declaration: Declaration }
  /** A field or nested block written in some block. */
  | { readonly kind: 'member'; readonly member: A.Member; readonly file: string; readonly owner: BlockSchema | undefined; readonly frames: readonly Frame[] }
  /** A field left out, which has its default. */
  | { readonly kind: 'default'; readonly name: string; readonly spec: FieldSpec; readonly owner: BlockSchema };

/** References through references (`a.b` where `a = c.d`) are followed this deep, so cycles end. */
const MAX_DEPTH = 32;

/** What the segments `ref.path[0..=index]` name, seen from `file` inside `frames`. */
export function resolveReference(program: Program, file: string, frames: readonly Frame[], ref: A.RefExpr, index: number, depth = 0): Definition | undefined {
  const [head, ...rest] = ref.path.slice(0, index + 1);
  if (!head || depth > MAX_DEPTH) return undefined;
  let at = resolveHead(program, file, frames, head.name);
  for (const seg of rest) {
    if (!at) return undefined;
    at = memberOf(program, at, seg.name, depth + 1);
  }
  return at;
}

function resolveHead(program: Program, file: string, frames: readonly Frame[], name: string): Definition | undefined {
  for (let k = frames.length - 1; k >= 0; k--) {
    const f = frames[k]!;
    const m = f.body.members.find((x) => x.name.name === name);
    if (m) return { kind: 'member', member: m, file, owner: f.schema, frames: frames.slice(0, k + 1) };
    const spec = f.schema?.fields[name];
    if (spec && spec.default !== undefined) return { kind: 'default', name, spec, owner: f.schema! };
  }
  const { found } = lookupTopLevel(program, file, name);
  return found ? { kind: 'declaration', declaration: found } : undefined;
}

/** The body a definition opens onto, for looking up members in it. */
function bodyOf(program: Program, d: Definition, depth: number): { file: string; frames: readonly Frame[] } | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (d.kind === 'declaration') {
    const decl = d.declaration;
    if (decl.kind === 'block') return { file: decl.file, frames: [{ body: decl.decl.body, schema: DECLARATION_SCHEMAS[decl.decl.keyword] }] };
    return valueBody(program, decl.decl.value, undefined, decl.file, [], depth + 1);
  }
  if (d.kind === 'default') return undefined;
  const m = d.member;
  if (m.kind === 'SubBlock') return { file: d.file, frames: [...d.frames, { body: m.body, schema: d.owner?.blocks?.[m.name.name]?.schema }] };
  return valueBody(program, m.value, d.owner?.fields[m.name.name], d.file, d.frames, depth + 1);
}

function valueBody(program: Program, e: A.Expr, spec: FieldSpec | undefined, file: string, frames: readonly Frame[], depth: number): { file: string; frames: readonly Frame[] } | undefined {
  const type = spec?.type.t === 'count' ? spec.type.item : spec?.type;
  switch (e.kind) {
    case 'Variant':
      return { file, frames: [...frames, { body: e.body, schema: type?.t === 'variant' ? type.variants[e.name.name] : undefined }] };
    case 'Count':
      return valueBody(program, e.item, spec, file, frames, depth + 1);
    case 'Ref': {
      if (type?.t === 'variant' && e.path.length === 1) {
        // An option without settings (`router = sigmoid`): its fields all take their defaults.
        const schema = type.variants[e.path[0]!.name];
        return schema ? { file, frames: [...frames, { body: { members: [], span: e.span }, schema }] } : undefined;
      }
      const target = resolveReference(program, file, frames, e, e.path.length - 1, depth + 1);
      return target ? bodyOf(program, target, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}

function memberOf(program: Program, d: Definition, name: string, depth: number): Definition | undefined {
  const inner = bodyOf(program, d, depth);
  if (!inner) return undefined;
  const f = inner.frames[inner.frames.length - 1]!;
  const m = f.body.members.find((x) => x.name.name === name);
  if (m) return { kind: 'member', member: m, file: inner.file, owner: f.schema, frames: inner.frames };
  const spec = f.schema?.fields[name];
  return spec && spec.default !== undefined ? { kind: 'default', name, spec, owner: f.schema! } : undefined;
}

/** The block a definition opens onto (a declaration, a nested block, a variant's settings), for listing its members. */
export function openBody(program: Program, d: Definition): Frame | undefined {
  const inner = bodyOf(program, d, 0);
  return inner?.frames[inner.frames.length - 1];
}

/** Where a definition is written: the name to jump to. */
export function definitionSpan(d: Definition): A.Ident['span'] | undefined {
  if (d.kind === 'declaration') return d.declaration.decl.name.span;
  if (d.kind === 'member') return d.member.name.span;
  return undefined;
}
