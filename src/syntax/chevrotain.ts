/**
 * chevrotain's runtime values, from the single-file ESM bundle the package ships (lib/chevrotain.mjs).
 * The package's `exports` entry (lib/src/api.js) imports the whole `lodash-es` barrel, ~640 modules that
 * cost ~250 ms of every `kasc` start-up; the bundle is the same code and loads in ~10 ms. Every module
 * takes chevrotain values from here, never from 'chevrotain' (two copies would not share `EOF` or the
 * token indices); types may still come from 'chevrotain' with `import type`.
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

async function load(): Promise<Chevrotain> {
  // require.resolve follows the package's `exports` to <package>/lib/src/api.js, wherever it is installed.
  const bundle = path.join(path.dirname(createRequire(import.meta.url).resolve('chevrotain')), '..', 'chevrotain.mjs');
  if (fs.existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as Chevrotain;
  return import('chevrotain');
}

export const { CstParser, Lexer, createToken, EOF, tokenMatcher, createSyntaxDiagramsCode } = await load();
