/** Source text → AST, with a diagnostic for every syntax error (the parser recovers and keeps going). */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { EOF, tokenMatcher } from './chevrotain.js';
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import { lex } from './lexer.js';
import { parseTokens, parserInstance } from './parser.js';
import { cstToAst } from './to-ast.js';
import { describeToken, DECLARATION_KEYWORDS, Equals, LCurly, Name, RCurly } from './tokens.js';
import type { KasFile } from './ast.js';

/** What each rule expects, said the way a person would. */
const RULE_EXPECTATIONS: Record<string, string> = {
  file: `\`import\`, \`const\` or a declaration (${Object.keys(DECLARATION_KEYWORDS).map((k) => '`' + k + '`').join(', ')})`,
  blockDecl: 'a declaration',
  member: '`=` or `{`',
  operand: 'a value (a number, a name, a string, `[` or `(`)',
  expression: 'a value',
  value: 'a value',
  range: 'a layer range such as `3..` or `0..61 step 2`',
};

function describeAlternatives(paths: TokenType[][][], ruleName: string): string {
  const firsts = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0]) firsts.add(describeToken(path[0]));
  const list = [...firsts];
  if (RULE_EXPECTATIONS[ruleName] && list.length > 2) return RULE_EXPECTATIONS[ruleName]!;
  if (list.length === 1) return list[0]!;
  return list.slice(0, -1).join(', ') + ' or ' + list[list.length - 1];
}

/** Messages carry only the "expected" part; the "found" part comes from the token. */
const messages: IParserErrorMessageProvider = {
  // EOF is expected only at the end of the file rule: what may start a top-level item goes there.
  buildMismatchTokenMessage: ({ expected }) => (expected === EOF ? RULE_EXPECTATIONS['file']! : describeToken(expected)),
  buildNotAllInputParsedMessage: () => RULE_EXPECTATIONS['file']!,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) => describeAlternatives(expectedPathsPerAlt, ruleName),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) => describeAlternatives([expectedIterationPaths], ruleName),
};

let providerInstalled = false;

function describeFound(t: IToken): string {
  if (t.tokenType === EOF) return 'end of file';
  return '`' + t.image + '`';
}

export function parseSource(text: string, file: string, sink: DiagnosticSink): KasFile {
  if (!providerInstalled) {
    // chevrotain reads the provider from its config at construction; set it on the instance instead.
    (parserInstance() as unknown as { errorMessageProvider: IParserErrorMessageProvider }).errorMessageProvider = messages;
    providerInstalled = true;
  }
  const { tokens, comments, problems } = lex(text, file, sink);
  const { cst, errors } = parseTokens(tokens);
  let lastAt = -1;
  const found: { start: number; report: () => void }[] = [];
  for (const e of errors) {
    const t = e.token;
    const atEof = t.tokenType === EOF || Number.isNaN(t.startOffset);
    const start = atEof ? text.length : t.startOffset;
    // After recovery one mistake can cascade; report the first error at a given token only.
    if (start === lastAt) continue;
    lastAt = start;
    const index = atEof ? tokens.length : tokens.findIndex((x) => x.startOffset === start);
    const prevEnd = index > 0 ? tokens[index - 1]!.startOffset + tokens[index - 1]!.image.length : 0;
    // The lexer already reported the character just before this token.
    if (problems.some((p) => p >= prevEnd && p < start)) continue;
    const missingValue = !atEof && index >= 3 ? missingValueBefore(tokens, index) : undefined;
    if (missingValue) {
      found.push({ start, report: () => report(sink, 'unexpectedToken', missingValue.params, { file, ...missingValue.span }, { help: missingValue.help }) });
      continue;
    }
    const span = { file, start, end: atEof ? text.length : t.startOffset + t.image.length };
    const foundText = atEof ? 'end of file' : describeFound(t);
    const expected = e.message;
    let help: string | undefined;
    const notes: { message: string; span: { file: string; start: number; end: number } }[] = [];
    if (atEof && expected.includes('}')) {
      help = 'a `{` is never closed';
      const open = unclosedBrace(tokens);
      if (open) notes.push({ message: 'this `{` is never closed', span: { file, start: open.startOffset, end: open.startOffset + 1 } });
    }
    else if (expected === '`=` or `{`') help = 'a field is written `name = value`, a nested block `name { … }`';
    else if (t.image === ';') help = 'fields need no separator: put them on separate lines';
    else if (t.image === ':' ) help = 'fields are written with `=`, not `:`';
    found.push({ start, report: () => report(sink, 'unexpectedToken', { expected, found: foundText }, span, { help, notes }) });
  }
  const ast = cstToAst(cst, comments, file, text.length);
  // After the first syntax error in a declaration, recovery has guessed at the rest of it: later
  // errors there are mostly echoes of the first. Report the first one; fixing it shows the rest.
  const items = [...ast.imports, ...ast.consts, ...ast.blocks].map((i) => i.span);
  const itemOf = (at: number) => items.find((s) => at >= s.start && at < s.end);
  const troubled = new Set(problems.map(itemOf).filter((s) => s !== undefined));
  for (const f of found) {
    const item = itemOf(f.start);
    if (item && troubled.has(item)) continue;
    if (item) troubled.add(item);
    f.report();
  }
  return ast;
}

/** The outermost `{` left open at the end of the tokens. */
function unclosedBrace(tokens: IToken[]): IToken | undefined {
  const open: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === LCurly) open.push(t);
    else if (t.tokenType === RCurly) open.pop();
  }
  return open[0];
}

/**
 * `memory =` with nothing after it: fields are read across line breaks, so the next line's name was
 * taken as the value and the parser trips over that line's `=`. Say what really happened.
 */
function missingValueBefore(tokens: IToken[], index: number) {
  const [field, eq, next, eq2] = [tokens[index - 3]!, tokens[index - 2]!, tokens[index - 1]!, tokens[index]!];
  if (!(eq2.tokenType === Equals && eq.tokenType === Equals && tokenMatcher(next, Name) && tokenMatcher(field, Name))) return undefined;
  return {
    params: { expected: `a value after \`${field.image} =\``, found: `the next field \`${next.image}\`` },
    span: { start: eq.startOffset, end: eq.startOffset + 1 },
    help: `give \`${field.image}\` a value; it took \`${next.image}\` as its value, as fields may span lines`,
  };
}
