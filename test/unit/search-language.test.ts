/**
 * The `search` block of the language: evaluation, checks, lowering to the typed IR and to the
 * search's SearchSpec/SearchRequest (the error codes one by one are golden files:
 * test/golden/errors/search-*.kas).
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../src/passes/index.js';
import type { FileReader } from '../../src/semantics/resolve.js';
import { lowerSearch } from '../../src/search/lower.js';
import { conv1d } from '../../src/search/library.js';
import { operatorFlops, operatorParams } from '../../src/search/cost.js';
import { monomialValue, zipBindings, type Monomial } from '../../src/semantics/search-sizes.js';
import { integerValue } from '../../src/search/size.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = path.join(ROOT, 'examples/search-seq-mixer.kas');

function compileText(text: string, extra: Record<string, string> = {}) {
  const files: Record<string, string> = { '/t/main.kas': text, ...extra };
  const reader: FileReader = { read: (p) => files[p] ?? (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined) };
  return compile('/t/main.kas', reader, ROOT, { passes: false });
}
const codes = (r: ReturnType<typeof compileText>) => r.diagnostics.items.map((d) => d.code);

const LINEAR = (body: string) => `search Linear {
  input = [C_in]
  output = [C_out]
  sizes { C_in = 64  C_out = 128 }
  ${body}
}`;

describe('the search example', () => {
  const r = compile(EXAMPLE, { read: (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined) }, ROOT, { passes: false });
  const ir = r.ir?.searches?.[0];

  it('compiles without a diagnostic and lowers to the IR', () => {
    expect(r.diagnostics.items).toEqual([]);
    expect(ir?.name).toBe('SeqMixer');
  });

  it('reads the size lists column by column', () => {
    expect(ir!.bindings).toEqual([
      { C_in: 64, C_out: 64, L: 1024, k: 3 },
      { C_in: 64, C_out: 128, L: 1024, k: 3 },
    ]);
  });

  it('makes relative budgets absolute with the exact cost of the reference operator under the first binding', () => {
    const b = ir!.bindings[0]!;
    expect(ir!.flops).toEqual({ limit: 0.5 * operatorFlops(conv1d().operator, b).flops, factor: 0.5, operator: 'conv1d' });
    expect(ir!.params?.limit).toBe(operatorParams(conv1d().operator, b) / 2);
    // conv1d at C_in = C_out = 64, L = 1024, k = 3: 64·64·3 weights
    expect(ir!.params?.limit).toBe((64 * 64 * 3) / 2);
  });

  it('derives a small fit binding and two fingerprint bindings that keep every size whole and distinct sizes apart', () => {
    const listed: Monomial[] = [...ir!.input, ...ir!.output, ...ir!.reduceSizes, ...ir!.blockSizes, ...ir!.strideSizes];
    for (const b of [ir!.fitness.binding, ...ir!.fingerprintBindings]) for (const s of listed) expect(monomialValue(s, b)).not.toBeNull();
    expect(ir!.fitness.bindingDerived).toBe(true);
    expect(ir!.fitness.binding['k']).toBe(3); // coefficients keep their first binding in the fit
    expect(ir!.fingerprintBindings).toHaveLength(2);
    const keys = new Set(listed.map((m) => JSON.stringify(m)));
    const distinct = [...keys].map((k) => JSON.parse(k) as Monomial);
    for (let i = 0; i < distinct.length; i++)
      for (let j = i + 1; j < distinct.length; j++)
        expect(ir!.fingerprintBindings.every((b) => monomialValue(distinct[i]!, b) === monomialValue(distinct[j]!, b))).toBe(false);
  });

  it('lowers to a SearchSpec over the library\'s variables and a request with the teacher and the target', () => {
    const { spec, request } = lowerSearch(ir!, { evaluations: 10, seed: 3 });
    const lib = conv1d();
    expect(spec.inputs.map((d) => d.size)).toEqual(lib.iface.inputs.map((d) => d.size)); // the same interned sizes
    expect(spec.inputs.map((d) => d.name)).toEqual(['c_in', 'l']);
    expect(spec.bindings.slice(0, 2)).toEqual(ir!.bindings);
    expect(spec.bindings).toContainEqual(ir!.fitness.binding);
    for (const b of spec.bindings) for (const s of [...spec.reduceSizes, ...spec.blockSizes]) expect(integerValue(s, b)).not.toBeNull();
    expect(request.fitness?.teacher).toBe(lib.operator);
    expect(request.maxEvaluations).toBe(10);
    expect(request.seed).toBe(3);
    expect(request.fitness?.seed).toBe(7); // the fitness data keeps the block's seed
    expect(request.target).toEqual({ name: 'H100', peakFlopsPerSecond: 67e12, bytesPerSecond: 3.35e12 });
  });

  it('is listed, not run, by the report', () => {
    const full = compile(EXAMPLE, { read: (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined) }, ROOT);
    expect(full.analysis?.searches?.map((s) => s.name)).toEqual(['SeqMixer']);
  });
});

describe('search checks', () => {
  it('accepts a minimal search, with defaults for everything but the interface, sizes and fitness', () => {
    const r = compileText(LINEAR('fitness = teacher { operator = dense }'));
    expect(r.diagnostics.items).toEqual([]);
    const ir = r.ir!.searches![0]!;
    expect(ir.primitives).toHaveLength(8);
    expect(ir.strategy).toEqual({ name: 'mcts', evaluations: 500, timeSeconds: null, threads: 1 });
    expect(ir.flops).toBeNull();
  });

  it('takes sizes from constants and absolute budgets with units', () => {
    const r = compileText(`const G = 4\n` + LINEAR('coefficients { g = G }\n reduce_sizes = [C_in, C_in / G]\n budget { flops = 2 MFLOP  params = 4_000 }\n fitness = teacher { operator = dense }'));
    expect(r.diagnostics.items).toEqual([]);
    const ir = r.ir!.searches![0]!;
    expect(ir.flops).toEqual({ limit: 2e6 });
    expect(ir.params).toEqual({ limit: 4000 });
    expect(ir.reduceSizes.map((m) => monomialValue(m, ir.bindings[0]!))).toEqual([64, 16]);
  });

  it('warns when user fingerprint bindings cannot tell two sizes apart', () => {
    const r = compileText(LINEAR('coefficients { r = 8 }\n fingerprint { C_in = [4, 6]  C_out = [4, 6]  r = 3 }\n fitness = teacher { operator = dense }'));
    expect(codes(r)).toEqual(['KAS0643']);
    expect(r.diagnostics.items[0]!.message).toContain('`C_in` and `C_out`');
  });

  it('reports a variable that is primary in one search and a coefficient in another', () => {
    const r = compileText(`${LINEAR('fitness = teacher { operator = dense }')}
search Other {
  input = [Q]
  output = [Q]
  sizes { Q = 8 }
  fitness = teacher { operator = fully_connected }
}
search Third {
  input = [P]
  output = [P]
  sizes { P = 8 }
  coefficients { Q = 2 }
  fitness = teacher { operator = fully_connected }
}`);
    expect(codes(r)).toEqual(['KAS0634']);
    expect(r.diagnostics.items[0]!.message).toContain('in search `Other`');
  });

  it('rejects a size with a unit and a budget written as a plain number of FLOPs', () => {
    expect(codes(compileText(LINEAR('reduce_sizes = [C_in, 3 GB]\n fitness = teacher { operator = dense }')))).toEqual(['KAS0308']);
    expect(codes(compileText(LINEAR('budget { flops = 2e6 }\n fitness = teacher { operator = dense }')))).toEqual(['KAS0304']);
  });

  it('zips binding lists, a single value standing in every binding', () => {
    expect(zipBindings(new Map([['C', [64, 128]], ['L', [1024]]]))).toEqual([{ C: 64, L: 1024 }, { C: 128, L: 1024 }]);
    expect(zipBindings(new Map([['C', [64, 128]], ['L', [1, 2, 3]]]))).toBeNull();
  });
});

describe('docs/language.md', () => {
  it('every example of the `search` section compiles without a diagnostic', () => {
    const md = fs.readFileSync(path.join(ROOT, 'docs/language.md'), 'utf8');
    const section = md.slice(md.indexOf('### 7.7 `search`'), md.indexOf('## 8. '));
    const blocks = [...section.matchAll(/```kas\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const text of blocks) expect(compileText(text).diagnostics.items.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });
});
