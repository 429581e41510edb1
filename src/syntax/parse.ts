/** Source text → AST, with a diagnostic for every syntax error (the parser recovers and keeps going). */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import { lex } from './lexer.js';
import { parseTokens, parserInstance } from './parser.js';
import { cstToAst } from './to-ast.js';
import { describeToken, DECLARATION_KEYWORDS } from './tokens.js';
import type { KasFile } from './ast.js';

/** What each rule expects, said the way a person would. */
const RULE_EXPECTATIONS: Record<string, string> = {
  file: `\`import\`, \`const\` or a declaration (${Object.keys(DECLARATION_KEYWORDS).map((k) => '`' + k + '`').join(', ')})`,
  blockDecl: 'a declaration',
  member: '`=` or `{`',
  primary: 'a value (a number, a name, a string, `[` or `(`)',
  unary: 'a value',
  expression: 'a value',
  value: 'a value',
  term: 'a value',
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
  buildMismatchTokenMessage: ({ expected }) => describeToken(expected),
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
  const { tokens, comments } = lex(text, file, sink);
  const { cst, errors } = parseTokens(tokens);
  let lastAt = -1;
  for (const e of errors) {
    const t = e.token;
    const atEof = t.tokenType === EOF || Number.isNaN(t.startOffset);
    const start = atEof ? text.length : t.startOffset;
    // After recovery one mistake can cascade; report the first error at a given token only.
    if (start === lastAt) continue;
    lastAt = start;
    const span = { file, start, end: atEof ? text.length : t.startOffset + t.image.length };
    const found = atEof ? 'end of file' : describeFound(t);
    const expected = e.message;
    let help: string | undefined;
    if (atEof && expected.includes('}')) help = 'a `{` is never closed';
    else if (expected === '`=` or `{`') help = 'a field is written `name = value`, a nested block `name { … }`';
    else if (t.image === ';') help = 'fields need no separator: put them on separate lines';
    else if (t.image === ':' ) help = 'fields are written with `=`, not `:`';
    report(sink, 'unexpectedToken', { expected, found }, span, { help });
  }
  return cstToAst(cst, comments, file, text.length);
}
