/**
 * The external evaluator (src/search/external.ts): a tiny node script reads the candidate document
 * on stdin and prints an R² computed from it; failures are ExternalEvaluatorErrors with the stderr tail.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FitnessConfig } from '../../src/search/api.js';
import { candidateDocument, ExternalEvaluatorError, runExternalEvaluator, type CandidateDocument } from '../../src/search/external.js';
import { evaluateFitness } from '../../src/search/fitness.js';
import { conv1d, dense, groupedConv1d } from '../../src/search/library.js';
import { linearSpec } from '../../src/search/specs.js';
import type { SearchSpec } from '../../src/search/spec.js';

let dir = '';
const script = (name: string, body: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(file)}`;
};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-external-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const COST = { C_in: 64, C_out: 128, L: 32, g: 4, k: 3 };
const specOf = (iface: { inputs: SearchSpec['inputs']; outputs: SearchSpec['outputs'] }): SearchSpec => ({ ...linearSpec(), name: 'ext', ...iface, bindings: [COST] });
const config = (command: string | undefined, teacher = dense()): FitnessConfig => ({
  teacher: teacher.operator,
  teacherName: teacher.name,
  binding: { C_in: 4, C_out: 6, L: 8, g: 2, k: 3 },
  samples: 100,
  heldOut: 50,
  seed: 9,
  ...(command !== undefined ? { externalCommand: command } : {}),
});

describe('candidateDocument', () => {
  it('dense: readable text, shapes under the fitness binding, cost under the spec binding', () => {
    const doc = candidateDocument(dense().operator, specOf(dense().iface), config(undefined), 123, 456);
    expect(doc.operator.text).toBe('y[c] = Σ{r0 < C_in} x[r0] · w0[r0, c]');
    expect(doc.shapes).toEqual({ input: [4], output: [6], weights: [[4, 6]] });
    expect(doc.costBinding).toEqual(COST);
    expect([doc.flops, doc.params, doc.teacher, doc.seed]).toEqual([123, 456, 'dense', 9]);
  });
  it('grouped conv1d: views print in showDim syntax', () => {
    const doc = candidateDocument(groupedConv1d().operator, specOf(groupedConv1d().iface), config(undefined, conv1d()), 0, 0);
    expect(doc.operator.reductions).toEqual([
      { name: 'r0', size: 'C_in*g^-1' },
      { name: 'r1', size: 'k' },
    ]);
    expect(doc.operator.input).toEqual(['(c/C_out*g^-1*C_in*g^-1+r0)', 'unfold(l, r1)']);
    expect(doc.operator.weights).toEqual([['c/C_out*g^-1', 'r0', 'c%C_out*g^-1', 'r1']]);
    expect(doc.shapes.weights).toEqual([[2, 2, 3, 3]]);
    expect(doc.operator.trees.input).toEqual([
      { split: [{ div: { iter: 'c' }, by: 'C_out*g^-1' }, { iter: 'r0' }], width: 'C_in*g^-1' },
      { unfold: [{ iter: 'l' }, { iter: 'r1' }], size: 'L', window: 'k' },
    ]);
  });
});

describe('runExternalEvaluator', () => {
  it('pipes the document and reads r2 from the last line (logs before it are fine)', () => {
    const cmd = script(
      'ok.mjs',
      `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => {
        const doc = JSON.parse(s);
        console.log('training ' + doc.operator.text);
        console.log(JSON.stringify({ r2: 1 / (1 + doc.params), extra: doc.shapes.weights }));
      });`,
    );
    const r = evaluateFitness(dense().operator, specOf(dense().iface), config(cmd), undefined);
    expect(r.method).toBe('external');
    expect(r.params).toBe(64 * 128);
    expect(r.r2).toBe(1 / (1 + 64 * 128));
  });
  const doc = (): CandidateDocument => candidateDocument(dense().operator, specOf(dense().iface), config(undefined), 1, 1);
  it('a failing command: status and stderr tail in the message', () => {
    const cmd = script('fail.mjs', `console.error('x'.repeat(5000) + '\\nCUDA out of memory'); process.exit(3);`);
    let err: unknown;
    try {
      runExternalEvaluator(cmd, doc());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExternalEvaluatorError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/exited with status 3/);
    expect(msg).toMatch(/CUDA out of memory$/);
    expect(msg.length).toBeLessThan(3000);
  });
  it('output without a finite r2', () => {
    expect(() => runExternalEvaluator(script('bad.mjs', `console.log('{"loss": 0.1}')`), doc())).toThrow(/printed no \{"r2": <finite number>\}.*loss/);
    expect(() => runExternalEvaluator(script('nan.mjs', `console.log('{"r2": "high"}')`), doc())).toThrow(ExternalEvaluatorError);
    expect(() => runExternalEvaluator(script('empty.mjs', ``), doc())).toThrow(ExternalEvaluatorError);
  });
  it('a command that ignores a large stdin is judged by its output (EPIPE is not an error)', () => {
    const big = { ...doc(), spec: 'x'.repeat(1 << 20) };
    expect(runExternalEvaluator(`echo '{"r2": 0.5}'`, big)).toBe(0.5);
  });
  it('a command that does not exist', () => {
    expect(() => runExternalEvaluator('kasc-no-such-evaluator-command', doc())).toThrow(/exited with status 127[\s\S]*not found/);
  });
  it('a timeout', () => {
    const cmd = script('slow.mjs', `setTimeout(() => console.log('{"r2": 1}'), 20000);`);
    const t0 = Date.now();
    expect(() => runExternalEvaluator(cmd, doc(), { timeoutMs: 300 })).toThrow(/timed out after 0.3 s/);
    expect(Date.now() - t0).toBeLessThan(10000);
  });
});
