/** `npm run grammar`: writes the generated editor files into grammar/ (see grammar.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { grammarFiles } from './grammar.js';

/** grammar/ at the package root, from src/editor/ or dist/editor/ alike. */
export const GRAMMAR_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../grammar');

fs.mkdirSync(GRAMMAR_DIR, { recursive: true });
for (const [name, text] of Object.entries(grammarFiles())) {
  const file = path.join(GRAMMAR_DIR, name);
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (old === text) continue;
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
