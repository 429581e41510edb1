/**
 * Copies the generated editor grammar (the repository's grammar/, written by `npm run grammar` from
 * the one token table) into the extension, which must ship its files inside its own folder. Runs on
 * `npm install` (prepare) and before packaging; the copies are not committed.
 *
 *   node scripts/copy-grammar.mjs [--out DIR]     (DIR defaults to this extension's folder)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const grammar = path.resolve(here, '..', '..', 'grammar');
const i = process.argv.indexOf('--out');
const out = i >= 0 ? path.resolve(process.argv[i + 1]) : here;

const copies = [
  ['kas.tmLanguage.json', path.join('syntaxes', 'kas.tmLanguage.json')],
  ['language-configuration.json', 'language-configuration.json'],
];
for (const [from, to] of copies) {
  const src = path.join(grammar, from);
  if (!fs.existsSync(src)) {
    console.error(`copy-grammar: ${src} is missing; run \`npm run grammar\` in the repository root first`);
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(path.join(out, to)), { recursive: true });
  fs.copyFileSync(src, path.join(out, to));
}
console.log(`copy-grammar: ${copies.map(([, to]) => to).join(', ')} ← ${path.relative(process.cwd(), grammar) || '.'}`);
