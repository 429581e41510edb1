import { describe, expect, test } from 'vitest';
import { compileText, codes, memoryReader, SMALL_HARDWARE } from './fixtures.js';
import { compile, type CompileResult } from '../../src/passes/index.js';
import type { CheckedBody, Value } from '../../src/semantics/evaluate.js';
import { BYTES, BYTES_PER_SECOND, DIMENSIONLESS, FLOP_PER_SECOND } from '../../src/semantics/units.js';

function body(r: CompileResult, name: string): CheckedBody {
  const d = r.checked?.decls.find((x) => x.name === name);
  if (!d) throw new Error(`no declaration ${name}`);
  return d.body;
}

function numberOf(v: Value | undefined): number | undefined {
  return v?.k === 'num' ? v.v : v?.k === 'count' ? v.n : undefined;
}

const get = (b: CheckedBody, ...path: string[]): Value | undefined => {
  let cur: CheckedBody = b;
  for (let i = 0; i < path.length - 1; i++) {
    const v = cur.values.get(path[i]!);
    const next = v?.k === 'variant' ? v.body : cur.blocks.get(path[i]!);
    if (!next) return undefined;
    cur = next;
  }
  return cur.values.get(path[path.length - 1]!);
};

/** A model that is complete apart from what `extra` adds or overrides. */
const model = (name: string, fields: string) => `model ${name} {
  ${fields}
}`;
const BASE = 'vocab = 100\n  layers = 2\n  attention = mha { heads = 4 }\n  ffn = swiglu { intermediate = 32 }';

describe('references', () => {
  test('to sibling fields, in any order', () => {
    const r = compileText(model('M', `hidden = vocab / 4 + 3\n  vocab = 100 * 2\n  layers = 2\n  attention = mha { heads = 1 }\n  ffn = swiglu { intermediate = hidden * 4 }`));
    expect(codes(r)).toEqual([]);
    expect(numberOf(get(body(r, 'M'), 'vocab'))).toBe(200);
    expect(numberOf(get(body(r, 'M'), 'hidden'))).toBe(53);
    expect(numberOf(get(body(r, 'M'), 'ffn', 'intermediate'))).toBe(212);
  });

  test('to fields of enclosing blocks', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 64\n  mtp { depth = layers - 1 }`).replace('mha { heads = 4 }', 'mha { heads = 4  head_dim = hidden / heads }'));
    expect(codes(r)).toEqual([]);
    expect(numberOf(get(body(r, 'M'), 'attention', 'head_dim'))).toBe(16);
    expect(numberOf(get(body(r, 'M'), 'mtp', 'depth'))).toBe(1);
  });

  test('to `Other.field` and `Other.block.field` across declarations', () => {
    const r = compileText(
      model('A', `${BASE}\n  hidden = 64\n  moe { routed = 4  top_k = 2  expert = swiglu { intermediate = 8 } }`) +
        '\n' +
        model('B', `${BASE}\n  hidden = A.hidden * 2\n  moe { routed = A.moe.routed * 2  top_k = A.moe.top_k  expert = swiglu { intermediate = A.moe.expert.intermediate } }`),
    );
    expect(codes(r)).toEqual([]);
    expect(numberOf(get(body(r, 'B'), 'hidden'))).toBe(128);
    expect(numberOf(get(body(r, 'B'), 'moe', 'routed'))).toBe(8);
    expect(numberOf(get(body(r, 'B'), 'moe', 'top_k'))).toBe(2);
    expect(numberOf(get(body(r, 'B'), 'moe', 'expert', 'intermediate'))).toBe(8);
  });

  test('`Other.field` sees the other declaration’s defaults', () => {
    const r = compileText(model('A', `${BASE}\n  hidden = 8`) + '\n' + model('B', `${BASE}\n  hidden = 8\n  tied_embeddings = A.tied_embeddings`));
    expect(codes(r)).toEqual([]);
    expect(get(body(r, 'B'), 'tied_embeddings')).toMatchObject({ k: 'bool', v: false });
  });

  test('to a field of an imported declaration', () => {
    const r = compileText(`import "models/deepseek-v3"\n` + model('M', `${BASE}\n  hidden = DeepSeekV3.hidden / 7`));
    expect(codes(r)).toEqual([]);
    expect(numberOf(get(body(r, 'M'), 'hidden'))).toBe(1024);
  });

  test('consts, with units, used anywhere', () => {
    const r = compileText(`const H = 32\nconst MEM = 40 GB * 2\nconst BW = MEM / 1 s\n` + model('M', `${BASE}\n  hidden = H * 2`) + `\ngpu G { memory = MEM  bandwidth = BW  peak { bf16 = 1 PFLOP/s } }`);
    expect(codes(r)).toEqual([]);
    expect(numberOf(get(body(r, 'M'), 'hidden'))).toBe(64);
    expect(get(body(r, 'G'), 'memory')).toMatchObject({ k: 'num', v: 80e9, dim: BYTES });
    expect(get(body(r, 'G'), 'bandwidth')).toMatchObject({ k: 'num', v: 80e9, dim: BYTES_PER_SECOND });
    expect(get(body(r, 'G'), 'peak', 'bf16')).toMatchObject({ k: 'num', v: 1e15, dim: FLOP_PER_SECOND });
  });

  test('an unknown name is KAS0204 with a did-you-mean', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = vocb`));
    expect(codes(r)).toEqual(['KAS0204']);
    expect(r.diagnostics.items[0]!.help).toBe('did you mean `vocab`?');
  });

  test('an unknown member of a declaration is KAS0207', () => {
    const r = compileText(model('A', `${BASE}\n  hidden = 8`) + '\n' + model('B', `${BASE}\n  hidden = A.hiden`));
    expect(codes(r)).toEqual(['KAS0207']);
    expect(r.diagnostics.items[0]!.help).toBe('did you mean `hidden`?');
  });

  test('a reference to a declaration of the wrong kind is KAS0206', () => {
    const r = compileText(SMALL_HARDWARE + model('M', `${BASE}\n  hidden = 8`) + '\ntrain T { model = C  on = C  sequence = 1  batch = 32 }');
    expect(codes(r)).toEqual(['KAS0206']);
    expect(r.diagnostics.items[0]!.message).toContain('`C`');
  });
});

describe('cycles', () => {
  test('two sibling fields defined by each other: one KAS0208, and no cascade', () => {
    const r = compileText(model('M', `${BASE.replace('vocab = 100', 'vocab = hidden')}\n  hidden = vocab`));
    expect(codes(r)).toEqual(['KAS0208']);
  });

  test('a field defined by itself', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = hidden + 1`));
    expect(codes(r)).toEqual(['KAS0208']);
    expect(r.diagnostics.items[0]!.message).toBe('`hidden` is defined in terms of itself');
  });

  test('consts defined by each other', () => {
    const r = compileText(`const A = B + 1\nconst B = A * 2\n` + model('M', `${BASE}\n  hidden = A`));
    expect(codes(r)).toContain('KAS0208');
    expect(codes(r).filter((c) => c !== 'KAS0208')).toEqual([]);
  });

  test('a cycle through two declarations', () => {
    const r = compileText(model('A', `${BASE}\n  hidden = B.hidden`) + '\n' + model('B', `${BASE}\n  hidden = A.hidden`));
    expect(codes(r)).toContain('KAS0208');
    expect(codes(r).filter((c) => c !== 'KAS0208')).toEqual([]);
  });
});

describe('defaults', () => {
  test('absent optional fields take their defaults', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 8\n  moe { routed = 4  top_k = 2  expert = swiglu { intermediate = 8 } }`));
    expect(codes(r)).toEqual([]);
    const m = body(r, 'M');
    expect(get(m, 'tied_embeddings')).toMatchObject({ k: 'bool', v: false });
    expect(get(m, 'norm')).toMatchObject({ k: 'variant', name: 'rmsnorm' });
    expect(get(m, 'norm', 'eps')).toMatchObject({ k: 'num', v: 1e-6 });
    expect(get(m, 'attention', 'qkv_bias')).toMatchObject({ k: 'bool', v: false });
    expect(get(m, 'moe', 'router')).toMatchObject({ k: 'variant', name: 'softmax' });
    expect(get(m, 'moe', 'router', 'scale')).toMatchObject({ k: 'num', v: 1 });
    expect(get(m, 'moe', 'router', 'normalize')).toMatchObject({ k: 'bool', v: false });
    expect(get(m, 'moe', 'shared')).toMatchObject({ k: 'count', n: 0 });
    expect(get(m, 'moe', 'balance')).toMatchObject({ k: 'variant', name: 'none' });
    expect(m.fieldSpans.has('tied_embeddings')).toBe(false);
    expect(m.fieldSpans.has('hidden')).toBe(true);
  });

  test('a variant named without settings fills its own defaults (`sigmoid` normalizes, `layernorm` eps 1e-5)', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 8\n  norm = layernorm\n  moe { routed = 4  top_k = 2  expert = swiglu { intermediate = 8 }  router = sigmoid }`));
    expect(codes(r)).toEqual([]);
    expect(get(body(r, 'M'), 'norm', 'eps')).toMatchObject({ v: 1e-5 });
    expect(get(body(r, 'M'), 'moe', 'router', 'normalize')).toMatchObject({ v: true });
  });

  test('deployments default their parallel layout and precision', () => {
    const r = compileText(SMALL_HARDWARE + model('M', `${BASE}\n  hidden = 8`) + '\ntrain T { model = M  on = C  sequence = 128  batch = 32  parallel { } }');
    expect(codes(r)).toEqual([]);
    const t = body(r, 'T');
    expect(get(t, 'precision')).toMatchObject({ k: 'variant', name: 'bf16' });
    expect(get(t, 'parallel', 'data')).toMatchObject({ k: 'auto' });
    expect(get(t, 'parallel', 'pipeline')).toMatchObject({ k: 'num', v: 1 });
    expect(get(t, 'parallel', 'schedule')).toMatchObject({ k: 'enum', name: '1f1b' });
  });

  test('a missing required field is KAS0303 at the declaration name, with the field’s doc', () => {
    const text = model('M', 'vocab = 100\n  layers = 2\n  attention = mha { heads = 4 }\n  ffn = swiglu { intermediate = 32 }');
    const r = compileText(text);
    expect(codes(r)).toEqual(['KAS0303']);
    const d = r.diagnostics.items[0]!;
    expect(d.message).toBe('missing required field `hidden` in model `M`');
    expect(text.slice(d.span!.start, d.span!.end)).toBe('M');
    expect(d.help).toContain('hidden_size');
  });
});

describe('schema errors', () => {
  test('an unknown field is KAS0301 with a did-you-mean', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 8\n  tied_embedding = true`));
    expect(codes(r)).toEqual(['KAS0301']);
    expect(r.diagnostics.items[0]!.help).toBe('did you mean `tied_embeddings`?');
  });

  test('an unknown field far from every name lists what the block has', () => {
    const r = compileText(`gpu G { memory = 1 GB  bandwidth = 1 GB/s  peak { bf16 = 1 TFLOP/s }  zzzzzz = 3 }`);
    expect(codes(r)).toEqual(['KAS0301']);
    expect(r.diagnostics.items[0]!.help).toContain('`memory`');
  });

  test('an unknown field inside a variant', () => {
    const r = compileText(model('M', `${BASE.replace('heads = 4', 'heads = 4  kv_head = 2')}\n  hidden = 8`));
    expect(codes(r)).toEqual(['KAS0301']);
    expect(r.diagnostics.items[0]!.message).toContain('`kv_head`');
  });

  test('an unknown option is KAS0307 with a did-you-mean', () => {
    const r = compileText(model('M', `${BASE.replace('mha', 'gqaa')}\n  hidden = 8`));
    expect(codes(r)).toEqual(['KAS0307']);
    expect(r.diagnostics.items[0]!.help).toBe('did you mean `gqa`?');
  });

  test('an unknown block is KAS0309; a field written as a block says so', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 8\n  mtpp { depth = 1 }\n  vocab { }`));
    expect(codes(r)).toEqual(['KAS0309', 'KAS0309']);
    expect(r.diagnostics.items[0]!.help).toBe('did you mean `mtp`?');
    expect(r.diagnostics.items[1]!.help).toContain('is a field');
  });

  test('a field set twice is KAS0302 with a note at the first', () => {
    const text = model('M', `${BASE}\n  hidden = 8\n  hidden = 9`);
    const r = compileText(text);
    expect(codes(r)).toEqual(['KAS0302']);
    const d = r.diagnostics.items[0]!;
    expect(d.span!.start).toBe(text.lastIndexOf('hidden'));
    expect(d.notes[0]!.span!.start).toBe(text.indexOf('hidden'));
    expect(numberOf(get(body(r, 'M'), 'hidden'))).toBe(8);
  });

  test('a block given twice is KAS0312', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 8\n  mtp { }\n  mtp { }`));
    expect(codes(r)).toEqual(['KAS0312']);
  });

  test('a selector on a block that takes none is KAS0313', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 8\n  mtp layers[1..] { }`));
    expect(codes(r)).toEqual(['KAS0313']);
  });

  test('wrong dimension is KAS0304 with a hint', () => {
    const r = compileText('gpu G {\n  memory = 80 GB/s\n  bandwidth = 3 TB\n  peak { bf16 = 1 TFLOP }\n  sms = 132 s\n}');
    expect(codes(r)).toEqual(['KAS0304', 'KAS0304', 'KAS0304', 'KAS0304']);
    const [memory, bandwidth, bf16, sms] = r.diagnostics.items;
    expect(memory!.message).toBe('`memory` expects bytes, found bytes/s');
    expect(bandwidth!.message).toBe('`bandwidth` expects bytes/s, found bytes');
    expect(bandwidth!.help).toContain('`GB/s`');
    expect(bf16!.message).toBe('`bf16` expects FLOP/s, found FLOP');
    expect(sms!.message).toContain('found s');
    expect(sms!.help).toBe('remove the unit');
  });

  test('a plain number where a quantity belongs suggests a unit', () => {
    const r = compileText('gpu G { memory = 80  bandwidth = 1 TB/s  peak { bf16 = 1 TFLOP/s } }');
    expect(codes(r)).toEqual(['KAS0304']);
    expect(r.diagnostics.items[0]!.help).toBe('add a unit: `80 GB`');
  });

  test('unit arithmetic: a quantity divided by time is a rate; adding unlike units is KAS0311', () => {
    const ok = compileText('gpu G { memory = 80 GB  bandwidth = memory / 25 ms  peak { bf16 = 2 * 500 TFLOP/s } }');
    expect(codes(ok)).toEqual([]);
    expect(get(body(ok, 'G'), 'bandwidth')).toMatchObject({ v: 3.2e12, dim: BYTES_PER_SECOND });
    const bad = compileText('gpu G { memory = 80 GB + 1 s  bandwidth = 1 TB/s  peak { bf16 = 1 TFLOP/s } }');
    expect(codes(bad)).toEqual(['KAS0311']);
    expect(bad.diagnostics.items[0]!.message).toBe('cannot add bytes and s');
  });

  test('division by zero is KAS0310', () => {
    const r = compileText(model('M', `${BASE}\n  hidden = 8 / (2 - 2)`));
    expect(codes(r)).toEqual(['KAS0310']);
  });

  test('a fraction where a whole number belongs is KAS0305; below the minimum is KAS0306', () => {
    expect(codes(compileText(model('M', `${BASE}\n  hidden = 7 / 2`)))).toEqual(['KAS0305']);
    expect(codes(compileText(model('M', `${BASE}\n  hidden = 0`)))).toEqual(['KAS0306']);
    expect(codes(compileText(model('M', `${BASE}\n  hidden = -8`)))).toEqual(['KAS0306']);
  });

  test('ratios accept percentages and reject values above 1', () => {
    const gpu = (eff: string) => compileText(`gpu G { memory = 1 GB  bandwidth = 1 GB/s  peak { bf16 = 1 TFLOP/s }  efficiency { compute = ${eff} } }`);
    const ok = gpu('80%');
    expect(codes(ok)).toEqual([]);
    expect(get(body(ok, 'G'), 'efficiency', 'compute')).toMatchObject({ v: 0.8, dim: DIMENSIONLESS });
    const high = gpu('1.5');
    expect(codes(high)).toEqual(['KAS0306']);
    expect(high.diagnostics.items[0]!.help).toContain('80%');
    expect(codes(gpu('0'))).toEqual(['KAS0306']);
  });

  test('the wrong kind of value is KAS0308', () => {
    expect(codes(compileText(model('M', `${BASE}\n  hidden = "8"`)))).toEqual(['KAS0308']);
    expect(codes(compileText(model('M', `${BASE}\n  hidden = 8\n  tied_embeddings = 1`)))).toEqual(['KAS0308']);
    expect(codes(compileText(model('M', `${BASE}\n  hidden = 8\n  moe = 3`)))).toEqual(['KAS0308']);
  });
});

describe('files', () => {
  test('an import that does not exist is KAS0201 at the path', () => {
    const text = 'import "hardware/nope"\n';
    const r = compileText(text);
    expect(codes(r)).toEqual(['KAS0201']);
    const s = r.diagnostics.items[0]!.span!;
    expect(text.slice(s.start, s.end)).toBe('"hardware/nope"');
  });

  test('an import cycle is KAS0202', () => {
    const files = { '/v/a.kas': 'import "./b"\nconst A = 1', '/v/b.kas': 'import "./a"\nconst B = 2' };
    const r = compile('/v/a.kas', memoryReader(files), '/v');
    expect(codes(r)).toEqual(['KAS0202']);
    expect(r.diagnostics.items[0]!.message).toBe('import cycle: a.kas → b.kas → a.kas');
  });

  test('a name declared twice is KAS0203; by two imports and then used, KAS0205', () => {
    expect(codes(compileText('const A = 1\nconst A = 2'))).toEqual(['KAS0203']);
    const files = { '/v/a.kas': 'const X = 1', '/v/b.kas': 'const X = 2', '/v/main.kas': `import "./a"\nimport "./b"\n${model('M', `${BASE}\n  hidden = X`)}` };
    const r = compile('/v/main.kas', memoryReader(files), '/v');
    expect(codes(r)).toEqual(['KAS0205']);
    expect(r.diagnostics.items[0]!.notes).toHaveLength(2);
  });

  test('an entry that cannot be read is KAS0209 with no span', () => {
    const r = compile('/v/none.kas', memoryReader({}), '/v');
    expect(codes(r)).toEqual(['KAS0209']);
    expect(r.diagnostics.items[0]!.span).toBeUndefined();
  });
});

describe('references through deployment fields', () => {
  test('a declaration keyword names the field of that name (`model.context`), and a count reads as its number', () => {
    const text = `${SMALL_HARDWARE}\n${model('M', `${BASE}\n  hidden = 64\n  context = 8192`)}\ntrain T {\n  model = M\n  on = C\n  sequence = model.context / 2\n  batch = on.nodes * 8\n}\n`;
    const r = compileText(text);
    expect(codes(r)).toEqual([]);
    const t = body(r, 'T');
    expect(numberOf(t.values.get('sequence'))).toBe(4096);
    expect(numberOf(t.values.get('batch'))).toBe(32);
  });

  test('reading an optional field the other block leaves unset is KAS0210, not "no field"', () => {
    const r = compileText(`${SMALL_HARDWARE}\n${model('M', `${BASE}\n  hidden = G.sms`)}`);
    expect(codes(r)).toEqual(['KAS0210']);
    expect(r.diagnostics.items[0]!.help).toContain('sms');
  });
});
