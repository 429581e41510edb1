/**
 * Generates a large, realistic .kas file: repeated groups of gpu / node / cluster / model / train / serve
 * blocks with nested blocks, layer selectors, units, line and block comments, and unique names so the
 * whole file also passes `kasc check`. Used by parse.bench.mjs; writes only to os.tmpdir().
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function group(i) {
  const h = 1024 * (2 + (i % 6));
  return `// ---- group ${i}: hardware, a model, and its deployments ----
/* Accelerator ${i}: figures in the style of a datasheet,
   with a block comment spanning lines. */
gpu Accel_${i} {
  memory = ${80 + (i % 4) * 16} GB
  bandwidth = 3.35 TB/s
  sms = 132
  comm_sms = 20
  price = 30 k$
  peak {
    bf16 = 989 TFLOP/s      // dense
    fp8 = 1979 TFLOP/s
  }
  accumulate { fp8 = fp22 }
  efficiency {
    compute = 0.6
    memory = 80%
  }
}

node Box_${i} {
  gpus = 8 x Accel_${i}
  scaleup = nvlink {
    bandwidth = 200 GB/s
    achievable = 160 GB/s
    latency = 2 us
  }
  nics = 8 x ib { bandwidth = 400 Gb/s  effective = 40 GB/s }
}

cluster Pod_${i} {
  nodes = ${16 << (i % 4)} x Box_${i}
  network = fat_tree {
    radix = 64
    levels = 2
    planes = 8
  }
}

model Mixer_${i} {
  vocab = 64000
  hidden = ${h}
  layers = 24
  attention = gqa { heads = 32  kv_heads = 8 }
  ffn = swiglu { intermediate = ${h * 2 + 2816} }   // dense layers
  moe layers[2..] {
    routed = 64
    expert = swiglu { intermediate = 1408 }
    shared = 1
    top_k = 6
  }
}

train Pretrain_${i} {
  model = Mixer_${i}
  on = Pod_${i}
  sequence = 4096
  batch = 1024
  tokens = 2e12
  precision = fp8
  recompute = selective
  parallel {
    pipeline = 4
    expert = 16
    data = auto
    zero = 1
  }
  routing { max_nodes = 2 }
}

serve Chat_${i} {
  model = Mixer_${i}
  on = Pod_${i}
  phase = decode
  context = 8192
  weights = fp8
  kv_cache = bf16
  dispatch = fp8
  parallel {
    expert = 64
    tensor = 2
  }
}

`;
}

/** Exactly `lines` lines (groups, then `//` comment lines as padding). */
export function generateKas(lines = 100_000) {
  const perGroup = group(0).split('\n').length - 1;
  const groups = Math.floor(lines / perGroup);
  let text = '';
  const parts = [];
  for (let i = 0; i < groups; i++) parts.push(group(i));
  text = parts.join('');
  const have = text.split('\n').length - 1;
  for (let k = have; k < lines; k++) text += `// padding line ${k}\n`;
  return { text, groups, blocks: groups * 6, lines };
}

export function writeGeneratedKas(lines = 100_000) {
  const g = generateKas(lines);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-bench-'));
  const file = path.join(dir, `generated-${lines}.kas`);
  fs.writeFileSync(file, g.text);
  return { ...g, file, dir, bytes: Buffer.byteLength(g.text) };
}
