/**
 * Completion, aware of the block the cursor is in. The context comes from the tokens before the
 * cursor, not the AST, so it holds while the line being typed does not parse yet: a scan of `{ }`
 * finds the enclosing blocks (`model X {`, `moe layers[3..] {`, `attention = mla {`, `8 x ib {`) and the
 * schema says what each may contain; the last token says what comes next — a member (fields and
 * blocks not yet written), a value after `name =` (the field's options, declarations of the kind it
 * refers to, names in scope), a unit after a number, a member after `.`, a path inside `import "…"`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IToken } from 'chevrotain';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver/node.js';
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { lex } from '../syntax/lexer.js';
import { tokenMatcher } from '../syntax/chevrotain.js';
import * as T from '../syntax/tokens.js';
import { DECLARATION_SCHEMAS, type BlockSchema, type FieldType } from '../semantics/schema.js';
import { STDLIB_ROOT, lookupTopLevel, visibleNames, type Program } from '../semantics/resolve.js';
import { UNITS, describeDimension, sameDimension } from '../semantics/units.js';
import type * as A from '../syntax/ast.js';
import { framesAt } from './locate.js';
import { openBody, resolveReference } from './lookup.js';
import { describeType, fieldLines } from './describe.js';
import type { DocumentAnalysis } from './workspace.js';

/** One open `{` before the cursor: the block it opens and the members written in it so far. */
interface OpenBlock {
  readonly schema: BlockSchema | undefined;
  /** Declaration keyword, for the top level. */
  readonly keyword?: T.DeclarationKeyword;
  readonly written: Set<string>;
}

/** `openFiles`: paths of unsaved buffers, offered as imports beside the document too. */
export function completion(analysis: DocumentAnalysis, offset: number, openFiles: readonly string[] = []): CompletionItem[] {
  const text = analysis.text;
  const linePrefix = text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset);
  const importPath = /^\s*import\s+"([^"]*)$/.exec(linePrefix);
  if (importPath) return importPaths(importPath[1]!, analysis.path, openFiles, analysis.lines.range(offset - importPath[1]!.length, offset));

  const sink = new DiagnosticSink();
  const { tokens, comments } = lex(text.slice(0, offset), analysis.path, sink);
  // Inside a comment (a `//` running to the cursor, or a `/*` not closed before it) or a string.
  if (comments.some((c) => c.image.startsWith('//') && c.startOffset + c.image.length === offset)) return [];
  if (sink.items.some((d) => d.code === 'KAS0002')) return [];
  if (/"[^"\n]*$/.test(linePrefix.replace(/"[^"\n]*"/g, ''))) return [];
  // The word being typed, if any, is not context: what comes before it is.
  const last = tokens[tokens.length - 1];
  const typing = last && last.startOffset + last.image.length === offset && /^[A-Za-z_$%]/.test(last.image);
  const before = typing ? tokens.slice(0, -1) : tokens;
  const stack = openBlocks(before);
  const inner = stack[stack.length - 1];
  const prev = before[before.length - 1];
  const program = analysis.result.program;

  if (prev && prev.tokenType === T.NumberLiteral && !text.slice(prev.startOffset, offset).includes('\n')) {
    return [...units(fieldType(before, before.length - 1, inner)), ...countKeywords(fieldType(before, before.length - 1, inner))];
  }
  if (prev && prev.tokenType === T.Dot) return members(before, analysis, offset);
  if (!prev || (!inner && !isValueStart(prev))) return stack.length ? [] : topLevel(prev);
  if (prev.tokenType === T.Equals) {
    const field = before[before.length - 2];
    const t = field && inner?.schema?.fields[field.image]?.type;
    return values(t, stack, program, analysis.path);
  }
  if (isValueStart(prev)) {
    const t = fieldType(before, before.length - 1, inner);
    const item = prev.tokenType === T.Times && t?.t === 'count' ? t.item : undefined;
    return values(item, stack, program, analysis.path, item === undefined);
  }
  if (!inner) return topLevel(prev);
  return memberItems(inner);
}

/** Tokens after which a value (or the rest of one) comes, not a new member. */
function isValueStart(t: IToken): boolean {
  return [T.Equals, T.Times, T.Choose, T.Step, T.DotDot, T.Comma, T.LParen, T.LBracket].includes(t.tokenType) || tokenMatcher(t, T.BinaryOperator);
}

/** The `{ }` open before the cursor, outermost first, each with its schema. */
function openBlocks(tokens: IToken[]): OpenBlock[] {
  const stack: OpenBlock[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const top = stack[stack.length - 1];
    if (t.tokenType === T.Equals && top && tokens[i - 1] && tokenMatcher(tokens[i - 1]!, T.Name)) top.written.add(tokens[i - 1]!.image);
    if (t.tokenType === T.RCurly) stack.pop();
    if (t.tokenType !== T.LCurly) continue;
    stack.push({ ...headerOf(tokens, i, top), written: new Set() });
    if (top) {
      const name = blockName(tokens, i);
      if (name) top.written.add(name);
    }
  }
  return stack;
}

/** The name a nested block is written under: `moe` in `moe layers[3..] {`, or undefined for a variant. */
function blockName(tokens: IToken[], brace: number): string | undefined {
  let j = brace - 1;
  if (tokens[j]?.tokenType === T.RBracket) {
    while (j >= 0 && tokens[j]!.tokenType !== T.LBracket) j--;
    j -= 2;
  }
  const name = tokens[j];
  const eq = tokens[j - 1];
  if (!name || !tokenMatcher(name, T.Name)) return undefined;
  if (eq?.tokenType === T.Equals || eq?.tokenType === T.Times) return undefined;
  return name.image;
}

/** What the `{` at `brace` opens: a declaration, a nested block, or an option's settings. */
function headerOf(tokens: IToken[], brace: number, outer: OpenBlock | undefined): Omit<OpenBlock, 'written'> {
  const name = tokens[brace - 1];
  const kw = tokens[brace - 2];
  if (!outer) {
    const keyword = kw?.image as T.DeclarationKeyword | undefined;
    return keyword && keyword in DECLARATION_SCHEMAS && name && tokenMatcher(name, T.Name) ? { schema: DECLARATION_SCHEMAS[keyword], keyword } : { schema: undefined };
  }
  const sub = blockName(tokens, brace);
  if (sub) return { schema: outer.schema?.blocks?.[sub]?.schema };
  // `field = option {` or `field = N x option {`
  if (!name || !tokenMatcher(name, T.Name)) return { schema: undefined };
  const t = fieldType(tokens, brace - 1, outer);
  const choice = t?.t === 'count' ? t.item : t;
  return { schema: choice?.t === 'variant' ? choice.variants[name.image] : undefined };
}

/** The type of the field whose value is being written at token `at`: the name before the last `=` of this block. */
function fieldType(tokens: IToken[], at: number, block: OpenBlock | undefined): FieldType | undefined {
  let depth = 0;
  for (let j = at; j > 0; j--) {
    const t = tokens[j]!;
    if (t.tokenType === T.RCurly) depth++;
    else if (t.tokenType === T.LCurly) {
      if (depth === 0) return undefined;
      depth--;
    } else if (depth === 0 && t.tokenType === T.Equals) return block?.schema?.fields[tokens[j - 1]!.image]?.type;
  }
  return undefined;
}

function topLevel(prev: IToken | undefined): CompletionItem[] {
  // After `model` (naming a declaration) or `const`, a new name is written: nothing to offer.
  if (prev && (prev.image in DECLARATION_SCHEMAS || prev.tokenType === T.Const || prev.tokenType === T.Import)) return [];
  const snippet = (label: string, insertText: string, doc: string): CompletionItem => ({ label, kind: CompletionItemKind.Keyword, insertText, insertTextFormat: InsertTextFormat.Snippet, detail: doc });
  return [
    snippet('import', 'import "$1"', 'load another .kas file'),
    snippet('const', 'const ${1:NAME} = $0', 'a named constant'),
    ...Object.entries(T.DECLARATION_KEYWORDS).map(([k, doc]) => snippet(k, `${k} \${1:Name} {\n\t$0\n}`, doc)),
  ];
}

function memberItems(block: OpenBlock): CompletionItem[] {
  const schema = block.schema;
  if (!schema) return [];
  const fields = Object.entries(schema.fields)
    .filter(([name]) => !block.written.has(name))
    .map(([name, spec]): CompletionItem => ({
      label: name,
      kind: CompletionItemKind.Field,
      detail: describeType(spec.type),
      documentation: { kind: MarkupKind.Markdown, value: fieldLines(spec).join('\n') },
      insertText: `${name} = `,
      sortText: (spec.required ? '0' : '1') + name,
    }));
  const blocks = Object.entries(schema.blocks ?? {})
    .filter(([name]) => !block.written.has(name))
    .map(([name, spec]): CompletionItem => ({
      label: name,
      kind: CompletionItemKind.Module,
      detail: spec.schema.doc,
      documentation: spec.doc,
      insertText: spec.selector ? `${name} ${spec.selector}[\${1:0}..] {\n\t$0\n}` : `${name} {\n\t$0\n}`,
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: '2' + name,
    }));
  return [...fields, ...blocks];
}

/** What may be written as the value of a field of type `t` (or, when unknown, in an expression). */
function values(t: FieldType | undefined, stack: OpenBlock[], program: Program | undefined, file: string, expression = false): CompletionItem[] {
  const choice = t?.t === 'count' ? t.item : t;
  if (!expression && choice?.t === 'variant') {
    return Object.entries(choice.variants).map(([name, s]) => ({ label: name, kind: CompletionItemKind.EnumMember, detail: s.title, documentation: s.doc }));
  }
  if (!expression && choice?.t === 'enum') return choice.values.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
  if (!expression && choice?.t === 'ref') return declarationsOfKind(program, file, choice.kind);
  const items: CompletionItem[] = [];
  if (!expression && t?.t === 'bool') items.push(...['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Keyword })));
  if (!expression && t?.t === 'intOrAuto') items.push({ label: 'auto', kind: CompletionItemKind.Keyword, detail: 'derived from the rest of the deployment' });
  return [...items, ...namesInScope(stack, program, file)];
}

function declarationsOfKind(program: Program | undefined, file: string, kind: T.DeclarationKeyword): CompletionItem[] {
  if (!program) return [];
  return visibleNames(program, file).flatMap((n) => {
    const d = lookupTopLevel(program, file, n).found;
    return d?.kind === 'block' && d.decl.keyword === kind ? [{ label: n, kind: CompletionItemKind.Reference, detail: `${kind} ${n}` }] : [];
  });
}

/** Fields of the enclosing blocks (written or defaulted), then the file's and its imports' declarations. */
function namesInScope(stack: OpenBlock[], program: Program | undefined, file: string): CompletionItem[] {
  const seen = new Set<string>();
  const items: CompletionItem[] = [];
  for (let k = stack.length - 1; k >= 0; k--) {
    const b = stack[k]!;
    const names = [...b.written, ...Object.entries(b.schema?.fields ?? {}).filter(([, s]) => s.default !== undefined).map(([n]) => n)];
    for (const n of names) {
      if (seen.has(n)) continue;
      seen.add(n);
      const spec = b.schema?.fields[n];
      items.push({ label: n, kind: CompletionItemKind.Variable, detail: spec ? `${b.schema!.title}: ${describeType(spec.type)}` : undefined, sortText: '0' + n });
    }
  }
  if (program) {
    for (const n of visibleNames(program, file)) {
      if (seen.has(n)) continue;
      const d = lookupTopLevel(program, file, n).found;
      items.push({
        label: n,
        kind: d?.kind === 'const' ? CompletionItemKind.Constant : CompletionItemKind.Class,
        detail: d?.kind === 'block' ? `${d.decl.keyword} ${n}` : `const ${n}`,
        sortText: '1' + n,
      });
    }
  }
  return items;
}

/** Units after a number, those of the field's dimension first. */
function units(t: FieldType | undefined): CompletionItem[] {
  const dim = t?.t === 'quantity' ? t.dim : undefined;
  return [...UNITS.values()].map((u) => {
    const fits = dim !== undefined && sameDimension(u.dim, dim);
    return { label: u.name, kind: CompletionItemKind.Unit, detail: `${u.factor} ${describeDimension(u.dim)}`, sortText: (fits ? '0' : '1') + u.name.length.toString().padStart(2, '0') + u.name, ...(fits ? { preselect: u.name === 'GB' || u.name === 'GB/s' || u.name === 'TFLOP/s' } : {}) };
  });
}

/** `x` after the number of a count, `choose` after the groups of `N choose K`. */
function countKeywords(t: FieldType | undefined): CompletionItem[] {
  if (t?.t === 'count') return [{ label: 'x', kind: CompletionItemKind.Keyword, detail: 'a count: `8 x H800`', sortText: '00x' }];
  if (t?.t === 'choose') return [{ label: 'choose', kind: CompletionItemKind.Keyword, detail: 'group-limited routing: `8 choose 4`', sortText: '00choose' }];
  return [];
}

/** Members of what the dotted path before the cursor names: `DeepSeekV3.`, `model.`, `DeepSeekV3.moe.`. */
function members(tokens: IToken[], analysis: DocumentAnalysis, offset: number): CompletionItem[] {
  const program = analysis.result.program;
  const ast = analysis.file?.ast;
  if (!program || !ast) return [];
  const names: IToken[] = [];
  for (let j = tokens.length - 2; j >= 0; j -= 2) {
    const n = tokens[j]!;
    if (!tokenMatcher(n, T.Name)) break;
    names.unshift(n);
    if (tokens[j - 1]?.tokenType !== T.Dot) break;
  }
  if (!names.length) return [];
  const path: A.Ident[] = names.map((n) => ({ name: n.image, span: { file: analysis.path, start: n.startOffset, end: n.startOffset + n.image.length } }));
  const ref: A.RefExpr = { kind: 'Ref', path, span: { file: analysis.path, start: path[0]!.span.start, end: path[path.length - 1]!.span.end } };
  const d = resolveReference(program, analysis.path, framesAt(ast, offset), ref, path.length - 1);
  const body = d && openBody(program, d);
  if (!body) return [];
  const written = new Set(body.body.members.map((m) => m.name.name));
  const items: CompletionItem[] = body.body.members.map((m) => {
    const spec = m.kind === 'Field' ? body.schema?.fields[m.name.name] : undefined;
    return { label: m.name.name, kind: m.kind === 'Field' ? CompletionItemKind.Field : CompletionItemKind.Module, ...(spec ? { detail: describeType(spec.type), documentation: { kind: MarkupKind.Markdown, value: fieldLines(spec).join('\n') } } : {}) };
  });
  for (const [n, spec] of Object.entries(body.schema?.fields ?? {})) {
    if (!written.has(n) && spec.default !== undefined) items.push({ label: n, kind: CompletionItemKind.Field, detail: `${describeType(spec.type)} (default ${String(spec.default)})` });
  }
  return items;
}

/** `import "…"`: stdlib paths, and .kas files beside the document for a path starting with `.`. */
function importPaths(typed: string, docPath: string, openFiles: readonly string[], range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
  const item = (label: string, kind: CompletionItemKind, detail: string): CompletionItem => ({ label, kind, detail, textEdit: { range, newText: label } });
  if (!typed.startsWith('.')) {
    for (const m of kasFiles(STDLIB_ROOT, true)) items.push(item(m, CompletionItemKind.Module, 'stdlib'));
  }
  if (typed === '' || typed.startsWith('.')) {
    const dir = path.dirname(docPath);
    const beside = new Set([...kasFiles(dir, false), ...openFiles.filter((f) => path.dirname(f) === dir && f.endsWith('.kas')).map((f) => path.basename(f, '.kas'))]);
    for (const f of [...beside].sort()) {
      if (path.join(dir, f + '.kas') !== docPath) items.push(item('./' + f, CompletionItemKind.File, 'beside this file'));
    }
  }
  return items;
}

function kasFiles(dir: string, recursive: boolean): string[] {
  try {
    return fs
      .readdirSync(dir, { recursive, encoding: 'utf8' })
      .filter((f) => f.endsWith('.kas'))
      .map((f) => f.slice(0, -4).split(path.sep).join('/'))
      .sort();
  } catch {
    return [];
  }
}
