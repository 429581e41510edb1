/**
 * The editor grammar, generated: a TextMate grammar (scope `source.kas`), a VS Code language
 * configuration and railroad diagrams of the parser. Everything comes from the one token table
 * (keywords, units, number/shape/name/string patterns, punctuation) and from the schema (block names,
 * field names, option names), so adding a keyword, a unit or a field updates the editor too.
 *
 * `npm run grammar` writes the files into grammar/ (src/editor/write-grammar.ts); a test regenerates
 * them in memory and fails when the committed ones are stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { TokenType } from 'chevrotain';
import { createSyntaxDiagramsCode } from '../syntax/chevrotain.js';
import * as T from '../syntax/tokens.js';
import { grammarRules } from '../syntax/parser.js';
import { DECLARATION_SCHEMAS, type BlockSchema, type FieldType } from '../semantics/schema.js';

export const SCOPE_NAME = 'source.kas';

/** What the grammar knows from the schema: every name that has a fixed role somewhere. */
export interface SchemaNames {
  /** Nested block names: `moe`, `mtp`, `peak`, `parallel`, … */
  readonly blocks: string[];
  /** Layer-selector names: `layers` in `moe layers[3..] { … }`. */
  readonly selectors: string[];
  /** Field names of every block and variant. */
  readonly fields: string[];
  /** Variant names and enum values: `mla`, `swiglu`, `sigmoid`, `dualpipe`, `bf16`, `auto`, … */
  readonly options: string[];
}

export function schemaNames(): SchemaNames {
  const blocks = new Set<string>();
  const selectors = new Set<string>();
  const fields = new Set<string>();
  const options = new Set<string>();
  const seen = new Set<BlockSchema>();
  const visitType = (t: FieldType): void => {
    switch (t.t) {
      case 'enum':
        for (const v of t.values) options.add(v);
        break;
      case 'variant':
        for (const [name, schema] of Object.entries(t.variants)) {
          options.add(name);
          visitSchema(schema);
        }
        break;
      case 'count':
      case 'list':
        visitType(t.item);
        break;
      case 'intOrAuto':
        options.add('auto');
        break;
      default:
        break;
    }
  };
  const visitSchema = (s: BlockSchema): void => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const [name, spec] of Object.entries(s.fields)) {
      fields.add(name);
      visitType(spec.type);
    }
    for (const [name, sub] of Object.entries(s.blocks ?? {})) {
      blocks.add(name);
      if (sub.selector) selectors.add(sub.selector);
      visitSchema(sub.schema);
    }
  };
  for (const s of Object.values(DECLARATION_SCHEMAS)) visitSchema(s);
  const sorted = (set: Set<string>) => [...set].sort();
  return { blocks: sorted(blocks), selectors: sorted(selectors), fields: sorted(fields), options: sorted(options) };
}

/** The literal text a simple token matches (`{`, `model`), read back from its pattern. */
function literal(t: TokenType): string {
  const p = t.PATTERN;
  if (!(p instanceof RegExp)) throw new Error(`token ${t.name} has no literal pattern`);
  return p.source.replace(/\\(.)/g, '$1');
}

/** A token's regular expression, for the grammar (the lexer and the editor match the same text). */
function source(t: TokenType): string {
  const p = t.PATTERN;
  if (!(p instanceof RegExp)) throw new Error(`token ${t.name} has no regular expression`);
  return p.source;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const words = (list: readonly string[]) => `\\b(?:${list.map(escape).join('|')})\\b`;

/** How each keyword is scoped; a keyword missing here falls back to `keyword.other`. */
function keywordScope(word: string): string {
  if (word in T.DECLARATION_KEYWORDS) return `storage.type.${word}.kas`;
  switch (word) {
    case 'import':
      return 'keyword.control.import.kas';
    case 'const':
      return 'storage.type.const.kas';
    case 'true':
    case 'false':
      return 'constant.language.boolean.kas';
    case 'x':
    case 'choose':
    case 'step':
      return `keyword.operator.${word}.kas`;
    default:
      return `keyword.other.${word}.kas`;
  }
}

const NAME = source(T.Identifier);

export function textMateGrammar(): Record<string, unknown> {
  const names = schemaNames();
  const keywords = T.KEYWORD_TOKENS.map(literal);
  const declarations = Object.keys(T.DECLARATION_KEYWORDS);
  const otherKeywords = keywords.filter((k) => !declarations.includes(k) && k !== 'import' && k !== 'const');
  // Longest first, as the lexer tries them: `GB/s` before `GB`.
  const units = T.UNIT_NAMES.map(escape).join('|');
  // Not inside a name (`H800`), as in the lexer, where a name swallows its digits.
  const notInName = '(?<![A-Za-z0-9_])';
  // A unit follows its number on the same line, is not followed by more of a word, and is not a field name (`5 s = 3`).
  const unit = `(?:[ \\t]*(${units})(?![A-Za-z0-9_$])(?![ \\t]*=))?`;

  return {
    name: 'kas',
    scopeName: SCOPE_NAME,
    fileTypes: ['kas'],
    comment: 'Generated by `npm run grammar` from src/syntax/tokens.ts and src/semantics/schema.ts; do not edit.',
    patterns: [
      { include: '#comments' },
      { include: '#strings' },
      { include: '#import' },
      { include: '#const' },
      { include: '#field' },
      { include: '#declaration' },
      { include: '#block' },
      { include: '#numbers' },
      { include: '#keywords' },
      { include: '#options' },
      { include: '#operators' },
      { include: '#punctuation' },
      { include: '#names' },
    ],
    repository: {
      comments: {
        patterns: [
          {
            name: 'comment.block.kas',
            begin: '/\\*',
            end: '\\*/',
            beginCaptures: { '0': { name: 'punctuation.definition.comment.begin.kas' } },
            endCaptures: { '0': { name: 'punctuation.definition.comment.end.kas' } },
          },
          {
            name: 'comment.line.double-slash.kas',
            match: '(//).*$',
            captures: { '1': { name: 'punctuation.definition.comment.kas' } },
          },
        ],
      },
      strings: {
        name: 'string.quoted.double.kas',
        begin: '"',
        end: '"|$',
        beginCaptures: { '0': { name: 'punctuation.definition.string.begin.kas' } },
        endCaptures: { '0': { name: 'punctuation.definition.string.end.kas' } },
        patterns: [{ name: 'constant.character.escape.kas', match: '\\\\.' }],
      },
      import: {
        match: `\\b(import)\\b`,
        captures: { '1': { name: keywordScope('import') } },
      },
      const: {
        match: `\\b(const)\\b(?:[ \\t]+(${NAME}))?`,
        captures: { '1': { name: keywordScope('const') }, '2': { name: 'variable.other.constant.kas' } },
      },
      field: {
        comment: '`name = value`: any name before `=` is a field, keywords included (`model = DeepSeekV3`).',
        match: `\\b(${NAME})[ \\t]*(=)`,
        captures: { '1': { name: 'variable.other.property.kas' }, '2': { name: 'keyword.operator.assignment.kas' } },
      },
      declaration: {
        comment: 'A declaration keyword and the name it declares; before `.` it starts a reference (`model.context`).',
        patterns: declarations.map((kw) => ({
          match: `\\b(${escape(kw)})\\b(?![ \\t]*\\.)(?:[ \\t]+(${NAME}))?`,
          captures: { '1': { name: keywordScope(kw) }, '2': { name: `entity.name.type.${kw}.kas` } },
        })),
      },
      block: {
        comment: 'Nested blocks of the schema (`moe layers[3..] {`, `peak {`) and their layer selectors.',
        match: `\\b(${names.blocks.map(escape).join('|')})\\b(?=[ \\t]*(?:\\{|${NAME}[ \\t]*\\[))(?:[ \\t]+(${names.selectors.map(escape).join('|')})\\b)?`,
        captures: { '1': { name: 'entity.name.tag.block.kas' }, '2': { name: 'variable.language.selector.kas' } },
      },
      numbers: {
        patterns: [
          { name: 'constant.numeric.shape.kas', match: `${notInName}${source(T.ShapeLiteral)}` },
          {
            match: `${notInName}(${source(T.NumberLiteral)})${unit}`,
            captures: { '1': { name: 'constant.numeric.kas' }, '2': { name: 'keyword.other.unit.kas' } },
          },
        ],
      },
      keywords: {
        patterns: otherKeywords.map((kw) => ({ name: keywordScope(kw), match: `\\b${escape(kw)}\\b` })),
      },
      options: {
        comment: 'Variant names and enum values of the schema (`mla`, `swiglu`, `dualpipe`, `bf16`, `auto`).',
        name: 'support.constant.option.kas',
        match: words(names.options),
      },
      operators: {
        patterns: [
          { name: 'keyword.operator.range.kas', match: escape(literal(T.DotDot)) },
          { name: 'punctuation.accessor.kas', match: escape(literal(T.Dot)) },
          { name: 'keyword.operator.arithmetic.kas', match: [T.Plus, T.Minus, T.Star, T.Slash].map((t) => escape(literal(t))).join('|') },
          { name: 'keyword.operator.assignment.kas', match: escape(literal(T.Equals)) },
        ],
      },
      punctuation: {
        patterns: [
          { name: 'punctuation.section.block.begin.kas', match: escape(literal(T.LCurly)) },
          { name: 'punctuation.section.block.end.kas', match: escape(literal(T.RCurly)) },
          { name: 'punctuation.section.brackets.begin.kas', match: escape(literal(T.LBracket)) },
          { name: 'punctuation.section.brackets.end.kas', match: escape(literal(T.RBracket)) },
          { name: 'punctuation.section.parens.begin.kas', match: escape(literal(T.LParen)) },
          { name: 'punctuation.section.parens.end.kas', match: escape(literal(T.RParen)) },
          { name: 'punctuation.separator.comma.kas', match: escape(literal(T.Comma)) },
        ],
      },
      names: {
        name: 'variable.other.kas',
        match: `\\b${NAME}\\b`,
      },
    },
  };
}

export function languageConfiguration(): Record<string, unknown> {
  const pairs = [
    [literal(T.LCurly), literal(T.RCurly)],
    [literal(T.LBracket), literal(T.RBracket)],
    [literal(T.LParen), literal(T.RParen)],
  ];
  const opens = pairs.map(([o]) => escape(o!)).join('');
  const closes = pairs.map(([, c]) => escape(c!)).join('');
  return {
    comments: { lineComment: '//', blockComment: ['/*', '*/'] },
    brackets: pairs,
    autoClosingPairs: [
      ...pairs.map(([open, close]) => ({ open, close })),
      { open: '"', close: '"', notIn: ['string', 'comment'] },
      { open: '/*', close: ' */', notIn: ['string'] },
    ],
    autoCloseBefore: ';:.,=}])> \n\t',
    surroundingPairs: [...pairs.map(([open, close]) => ({ open, close })), { open: '"', close: '"' }],
    folding: {
      markers: { start: '^\\s*//\\s*#?region\\b', end: '^\\s*//\\s*#?endregion\\b' },
    },
    // One level deeper after a line that ends with an opening bracket (a comment may follow it).
    indentationRules: {
      increaseIndentPattern: `^.*[${opens}][ \\t]*(?://.*|/\\*.*\\*/[ \\t]*)?$`,
      decreaseIndentPattern: `^[ \\t]*[${closes}]`,
    },
    wordPattern: `(-?${source(T.NumberLiteral)})|(${NAME})`,
    onEnterRules: [
      {
        // `/** | */`: the cursor between opens a comment body.
        beforeText: '^\\s*/\\*\\*(?!/)([^*]|\\*(?!/))*$',
        afterText: '^\\s*\\*/$',
        action: { indent: 'indentOutdent', appendText: ' * ' },
      },
      {
        beforeText: '^\\s*/\\*\\*(?!/)([^*]|\\*(?!/))*$',
        action: { indent: 'none', appendText: ' * ' },
      },
      {
        // Inside a block comment: continue the ` * ` gutter.
        beforeText: '^(\\t|[ ])*[ ]\\*([ ]([^*]|\\*(?!/))*)?$',
        action: { indent: 'none', appendText: '* ' },
      },
    ],
  };
}

/** How terminals are labelled in the diagrams: the text itself for keywords and punctuation. */
function terminalLabel(name: string): string {
  const special: Record<string, string> = {
    Identifier: 'NAME',
    Name: 'NAME or keyword',
    ReferenceStart: 'NAME or declaration keyword',
    NumberLiteral: 'NUMBER',
    StringLiteral: 'STRING',
    ShapeLiteral: 'SHAPE (1x128)',
    Unit: 'UNIT',
    BinaryOperator: '+ - * /',
  };
  if (special[name]) return special[name]!;
  const t = T.ALL_TOKENS.find((x) => x.name === name);
  return t && t.PATTERN instanceof RegExp ? literal(t) : name;
}

function labelTerminals(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(labelTerminals);
  if (node && typeof node === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) o[k] = labelTerminals(v);
    if (o['type'] === 'Terminal' && typeof o['name'] === 'string') o['label'] = terminalLabel(o['name']);
    return o;
  }
  return node;
}

/** chevrotain's diagrams, with its scripts and style sheet inlined so the page opens with no network. */
export function railroadHtml(): string {
  const diagrams = path.join(path.dirname(createRequire(import.meta.url).resolve('chevrotain')), '..', '..', 'diagrams');
  const read = (rel: string) => fs.readFileSync(path.join(diagrams, rel), 'utf8').replace(/<\/script/gi, '<\\/script').trimEnd();
  const BASE = 'kasc-inline:';
  let html = createSyntaxDiagramsCode(labelTerminals(grammarRules()) as ReturnType<typeof grammarRules>, { resourceBase: BASE, css: BASE + 'diagrams.css' });
  html = html.replace(`<link rel='stylesheet' href='${BASE}diagrams.css'>`, () => `<style>\n${read('diagrams.css')}\n</style>`);
  html = html.replace(new RegExp(`<script src='${BASE}([^']+)'></script>`, 'g'), (_, rel: string) => `<script>\n${read(rel)}\n</script>`);
  html = html.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n<title>kas grammar: railroad diagrams</title>');
  if (html.includes(BASE)) throw new Error('railroad.html: a resource was not inlined');
  // No trailing spaces in the committed file.
  return html.replace(/[ \t]+$/gm, '').trim() + '\n';
}

/** Every generated file, by its path under grammar/. */
export function grammarFiles(): Record<string, string> {
  return {
    'kas.tmLanguage.json': JSON.stringify(textMateGrammar(), null, 2) + '\n',
    'language-configuration.json': JSON.stringify(languageConfiguration(), null, 2) + '\n',
    'railroad.html': railroadHtml(),
  };
}
