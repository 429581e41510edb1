/**
 * CPU reference operators, one per kernel, written for clarity: plain loops, f64 accumulation stored
 * as f32. Orders that decide results (top-k ties, the assignment order of the routing plan, the
 * combine order) follow the kernels exactly; sums are compared with tolerances.
 */

/** y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias). */
export function matmulRef(x: Float32Array, w: Float32Array, m: number, n: number, k: number, bias?: Float32Array): Float32Array {
  if (x.length < m * k || w.length < n * k) throw new Error(`matmulRef: x has ${x.length} values for [${m}, ${k}], w ${w.length} for [${n}, ${k}]`);
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      const xo = i * k;
      const wo = j * k;
      for (let t = 0; t < k; t++) s += x[xo + t]! * w[wo + t]!;
      y[i * n + j] = s + (bias ? bias[j]! : 0);
    }
  }
  return y;
}

/** Row-wise RMSNorm of x [rows, dim] (row stride xStride) into a new [rows, dim] array. */
export function rmsNormRef(x: Float32Array, w: Float32Array, rows: number, dim: number, eps: number, xStride: number = dim): Float32Array {
  const y = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += x[r * xStride + i]! ** 2;
    const inv = 1 / Math.sqrt(s / dim + eps);
    for (let i = 0; i < dim; i++) y[r * dim + i] = x[r * xStride + i]! * inv * w[i]!;
  }
  return y;
}

export function softmaxRef(x: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]!);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c]! - m);
    for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp(x[r * cols + c]! - m) / s;
  }
  return y;
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** y[r, j] = silu(g[r, j]) · g[r, I + j] for g [rows, 2I]. */
export function swigluRef(g: Float32Array, rows: number, inter: number): Float32Array {
  const y = new Float32Array(rows * inter);
  for (let r = 0; r < rows; r++) for (let j = 0; j < inter; j++) y[r * inter + j] = silu(g[r * 2 * inter + j]!) * g[r * 2 * inter + inter + j]!;
  return y;
}

/**
 * The RoPE angle table the kernels read: cs[(pos·d/2 + i)·2 + {0,1}] = cos, sin of pos·θ^(−2i/d),
 * for positions 0..positions−1, computed in f64 and stored as f32.
 */
export function ropeTable(theta: number, ropeDim: number, positions: number): Float32Array {
  const half = ropeDim / 2;
  const cs = new Float32Array(positions * half * 2);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const a = p * theta ** ((-2 * i) / ropeDim);
      cs[(p * half + i) * 2] = Math.cos(a);
      cs[(p * half + i) * 2 + 1] = Math.sin(a);
    }
  }
  return cs;
}

/**
 * Rotate, in place, the ropeDim values at `offset` of each of `heads` segments (width `stride`) of
 * rows 0..rows−1, row t at position pos0 + t. Interleaved pairs (2i, 2i+1) or halves (i, i+d/2).
 */
export function ropeRef(x: Float32Array, rows: number, heads: number, stride: number, offset: number, ropeDim: number, cs: Float32Array, pos0: number, interleaved: boolean): void {
  const half = ropeDim / 2;
  for (let t = 0; t < rows; t++) {
    for (let h = 0; h < heads; h++) {
      const b = (t * heads + h) * stride + offset;
      for (let i = 0; i < half; i++) {
        const c = cs[((pos0 + t) * half + i) * 2]!;
        const s = cs[((pos0 + t) * half + i) * 2 + 1]!;
        const i0 = interleaved ? 2 * i : i;
        const i1 = interleaved ? 2 * i + 1 : i + half;
        const x0 = x[b + i0]!;
        const x1 = x[b + i1]!;
        x[b + i0] = x0 * c - x1 * s;
        x[b + i1] = x1 * c + x0 * s;
      }
    }
  }
}

/**
 * Causal attention over a cache. q [rows, heads, qkDim]; key row j of kv-head g at
 * keys[(j·kvHeads + g)·keyStride ..+qkDim], value at values[(j·kvHeads + g)·valueStride ..+vDim];
 * query t (position pos0 + t) sees keys 0..pos0+t. Returns [rows, heads, vDim].
 */
export function attentionRef(
  q: Float32Array,
  keys: Float32Array,
  values: Float32Array,
  o: { rows: number; heads: number; kvHeads: number; qkDim: number; vDim: number; keyStride: number; valueStride: number; pos0: number; scale: number },
): Float32Array {
  const out = new Float32Array(o.rows * o.heads * o.vDim);
  const group = o.heads / o.kvHeads;
  for (let t = 0; t < o.rows; t++) {
    const n = o.pos0 + t + 1;
    for (let h = 0; h < o.heads; h++) {
      const g = Math.floor(h / group);
      const qb = (t * o.heads + h) * o.qkDim;
      const p = new Float64Array(n);
      let m = -Infinity;
      for (let j = 0; j < n; j++) {
        const kb = (j * o.kvHeads + g) * o.keyStride;
        let s = 0;
        for (let d = 0; d < o.qkDim; d++) s += q[qb + d]! * keys[kb + d]!;
        p[j] = s * o.scale;
        m = Math.max(m, p[j]!);
      }
      let sum = 0;
      for (let j = 0; j < n; j++) {
        p[j] = Math.exp(p[j]! - m);
        sum += p[j]!;
      }
      for (let d = 0; d < o.vDim; d++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += p[j]! * values[(j * o.kvHeads + g) * o.valueStride + d]!;
        out[(t * o.heads + h) * o.vDim + d] = acc / sum;
      }
    }
  }
  return out;
}

export interface RouterParams {
  readonly experts: number;
  readonly topK: number;
  readonly groups: number;
  readonly groupsChosen: number;
  readonly score: 'sigmoid' | 'softmax';
  readonly scale: number;
  readonly normalize: boolean;
}

/** The DeepSeek-V3 gate on router logits [rows, E]; see kernels/moe.ts for the rule. */
export function routerRef(logits: Float32Array, bias: Float32Array | null, rows: number, p: RouterParams): { idx: Uint32Array; weights: Float32Array } {
  const E = p.experts;
  const per = E / p.groups;
  const idx = new Uint32Array(rows * p.topK);
  const weights = new Float32Array(rows * p.topK);
  for (let t = 0; t < rows; t++) {
    const row = logits.subarray(t * E, (t + 1) * E);
    let s: number[];
    if (p.score === 'sigmoid') s = Array.from(row, (v) => Math.fround(1 / (1 + Math.exp(-v))));
    else {
      const m = Math.max(...row);
      const e = Array.from(row, (v) => Math.exp(v - m));
      const tot = e.reduce((a, b) => a + b, 0);
      s = e.map((v) => Math.fround(v / tot));
    }
    const sb = s.map((v, e) => Math.fround(v + (bias ? bias[e]! : 0)));
    if (p.groups > 1) {
      const gs: number[] = [];
      for (let g = 0; g < p.groups; g++) {
        const vals = sb.slice(g * per, (g + 1) * per).sort((a, b) => b - a);
        gs.push(bias ? vals[0]! + vals[1]! : vals[0]!);
      }
      const keep = new Set(argTopK(gs, p.groupsChosen));
      for (let e = 0; e < E; e++) if (!keep.has(Math.floor(e / per))) sb[e] = -Infinity;
    }
    const chosen = argTopK(sb, p.topK);
    const wsum = chosen.reduce((a, e) => a + s[e]!, 0);
    chosen.forEach((e, r) => {
      idx[t * p.topK + r] = e;
      weights[t * p.topK + r] = (p.normalize ? s[e]! / wsum : s[e]!) * p.scale;
    });
  }
  return { idx, weights };
}

/** Indices of the k largest values, largest first; ties to the lower index. */
export function argTopK(v: readonly number[], k: number): number[] {
  return v
    .map((x, i) => [x, i] as const)
    .sort((a, b) => (b[0] !== a[0] ? b[0] - a[0] : a[1] - b[1]))
    .slice(0, k)
    .map((p) => p[1]);
}

/** The routing plan the moe-plan kernel builds (same u32 layout). */
export function moePlanRef(idx: Uint32Array, rows: number, experts: number, topK: number, maxTokens: number): Uint32Array {
  const plan = new Uint32Array(experts + experts * maxTokens + maxTokens * topK);
  for (let e = 0; e < experts; e++) {
    let n = 0;
    for (let a = 0; a < rows * topK; a++) {
      if (idx[a] === e) {
        plan[experts + e * maxTokens + n] = a;
        plan[experts + experts * maxTokens + a] = e * maxTokens + n;
        n++;
      }
    }
    plan[e] = n;
  }
  return plan;
}

/** A SwiGLU FFN on x [rows, hidden]: down(silu(gate(x)) ⊙ up(x)); gateUp is [2I, hidden] (gate rows, then up rows). */
export function swigluFfnRef(x: Float32Array, rows: number, hidden: number, gateUp: Float32Array, down: Float32Array, inter: number, linear = matmulRef): Float32Array {
  const g = linear(x, gateUp, rows, 2 * inter, hidden);
  return linear(swigluRef(g, rows, inter), down, rows, hidden, inter);
}
