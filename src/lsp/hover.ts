/**
 * Hover: on a declaration (or a reference to one), its kind, where it is declared and what it costs;
 * on a field, its meaning, type and unit from the schema; on a nested block or an option, its doc
 * and, inside a model, its share of the parameters; on a unit, its scale; on an import, the file.
 */
import { MarkupKind, type Hover } from 'vscode-languageserver/node.js';
import type * as A from '../syntax/ast.js';
import { DECLARATION_KEYWORDS } from '../syntax/tokens.js';
import { DECLARATION_SCHEMAS } from '../semantics/schema.js';
import { resolveImportPath, type Declaration } from '../semantics/resolve.js';
import { UNITS, describeDimension, isDimensionless } from '../semantics/units.js';
import { locate, type Frame, type Target } from './locate.js';
import { resolveReference, type Definition } from './lookup.js';
import { fieldLines, where } from './describe.js';
import { hardwareLines, modelFigures, modelLines, modelPartLines } from './figures.js';
import type { DocumentAnalysis } from './workspace.js';

export function hover(analysis: DocumentAnalysis, offset: number): Hover | undefined {
  const file = analysis.file;
  if (!file) return undefined;
  const target = locate(file.ast, offset);
  if (!target) return undefined;
  const lines = describeTarget(target, analysis);
  if (!lines?.length) return undefined;
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: analysis.lines.spanRange(target.span) };
}

function describeTarget(t: Target, analysis: DocumentAnalysis): string[] | undefined {
  switch (t.kind) {
    case 'declaration':
      return declarationLines({ kind: 'block', decl: t.decl, file: analysis.path }, analysis);
    case 'keyword':
      return [`**${t.decl.keyword}** — ${DECLARATION_KEYWORDS[t.decl.keyword]}`];
    case 'const':
      return declarationLines({ kind: 'const', decl: t.decl, file: analysis.path }, analysis);
    case 'import':
      return importLines(t.decl, analysis);
    case 'field': {
      const owner = t.owner ? ` in ${t.owner.title}` : '';
      if (!t.spec) return [`\`${t.field.name.name}\` is not a field${owner}`];
      return [`**field** \`${t.field.name.name}\`${owner}`, '', ...fieldLines(t.spec), ...partLines(t.frames, t.field.name.name, analysis)];
    }
    case 'block': {
      if (!t.spec) return [`\`${t.block.name.name}\` is not a block here`];
      const sel = t.spec.selector ? ` (\`${t.block.name.name} ${t.spec.selector}[…] { … }\`)` : '';
      return [`**block** \`${t.block.name.name}\`${sel} — ${t.spec.schema.doc}`, '', t.spec.doc, ...partLines(t.frames, t.block.name.name, analysis)];
    }
    case 'option': {
      const name = t.name.name;
      const doc = t.frames[t.frames.length - 1]?.schema?.fields[t.field]?.doc;
      const head = `**option** \`${name}\` of \`${t.field}\`${doc ? ` — ${doc}` : ''}`;
      if (t.type.t === 'enum') return [t.type.values.includes(name) ? head : `\`${name}\` is not a valid \`${t.field}\``, '', `\`${t.field}\` is one of ${t.type.values.map((v) => '`' + v + '`').join(', ')}`];
      const schema = t.type.variants[name];
      if (!schema) return [`\`${name}\` is not a valid \`${t.field}\``, '', `choose ${Object.keys(t.type.variants).map((v) => '`' + v + '`').join(', ')}`];
      const settings = Object.keys(schema.fields);
      return [
        `**${schema.title}** — ${schema.doc}`,
        ...(settings.length ? ['', `settings: ${settings.map((s) => '`' + s + '`').join(', ')}`] : []),
        ...partLines(t.frames, t.field, analysis),
      ];
    }
    case 'reference': {
      const program = analysis.result.program;
      if (!program) return undefined;
      const d = resolveReference(program, analysis.path, t.frames, t.ref, t.index);
      if (!d) return t.expected?.t === 'intOrAuto' && t.ref.path[0]!.name === 'auto' ? ['`auto` — derived from the rest of the deployment'] : undefined;
      return definitionLines(d, analysis);
    }
    case 'unit': {
      const u = UNITS.get(t.unit.name);
      if (!u) return undefined;
      const dim = isDimensionless(u.dim) ? 'a plain number' : describeDimension(u.dim);
      return [`**unit** \`${u.name}\` = ${u.factor} ${isDimensionless(u.dim) ? '' : dim}`.trimEnd(), '', `measures ${dim}`];
    }
  }
}

/** Figures for the model part a field, block or option describes, when the cursor is inside a model. */
function partLines(frames: readonly Frame[], part: string, analysis: DocumentAnalysis): string[] {
  const decl = analysis.file?.ast.blocks.find((b) => b.body === frames[0]?.body);
  if (!decl || decl.keyword !== 'model' || frames.length > 2) return [];
  const m = modelFigures(analysis.result, decl);
  const lines = m ? modelPartLines(m, part) : [];
  return lines.length ? ['', ...lines] : [];
}

function declarationLines(d: Declaration, analysis: DocumentAnalysis): string[] {
  if (d.kind === 'const') {
    return [`**const** \`${d.decl.name.name}\` = \`${sourceText(analysis, d.decl.value.span)}\``, '', `declared at ${where(d.decl.name.span, analysis)}`];
  }
  const b = d.decl;
  const lines = [`**${b.keyword}** \`${b.name.name}\` — ${DECLARATION_SCHEMAS[b.keyword].doc}`, '', `declared at ${where(b.name.span, analysis)}`];
  let figures: string[] = [];
  if (b.keyword === 'model') {
    const m = modelFigures(analysis.result, b);
    figures = m ? modelLines(m) : ['- figures appear once the model has no errors'];
  } else figures = hardwareLines(analysis.result, b);
  if (figures.length) lines.push('', ...figures);
  return lines;
}

function definitionLines(d: Definition, analysis: DocumentAnalysis): string[] {
  if (d.kind === 'declaration') return declarationLines(d.declaration, analysis);
  if (d.kind === 'default') return [`**field** \`${d.name}\` of ${d.owner.title}, not written: it takes its default`, '', ...fieldLines(d.spec)];
  const m = d.member;
  const owner = d.owner ? ` of ${d.owner.title}` : '';
  const head =
    m.kind === 'Field'
      ? `**field** \`${m.name.name}\`${owner} = \`${sourceText(analysis, m.value.span, d.file)}\``
      : `**block** \`${m.name.name}\`${owner}`;
  const spec = m.kind === 'Field' ? d.owner?.fields[m.name.name] : undefined;
  return [head, '', `declared at ${where(m.name.span, analysis)}`, ...(spec ? ['', ...fieldLines(spec)] : [])];
}

function importLines(imp: A.ImportDecl, analysis: DocumentAnalysis): string[] {
  const target = resolveImportPath(imp.path, analysis.path);
  const loaded = analysis.result.program?.files.get(target);
  if (!loaded) return [`**import** \`${imp.path}\` — not found`];
  const names = [...loaded.own.values()].map((d) => (d.kind === 'block' ? `${d.decl.keyword} \`${d.decl.name.name}\`` : `const \`${d.decl.name.name}\``));
  return [`**import** ${loaded.source.path}`, '', names.length ? `declares ${names.join(', ')}` : 'declares nothing'];
}

function sourceText(analysis: DocumentAnalysis, span: A.Ident['span'], file = span.file): string {
  const text = analysis.result.program?.files.get(file)?.source.text ?? '';
  const s = text.slice(span.start, span.end).replace(/\s+/g, ' ');
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}
