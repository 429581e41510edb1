/**
 * The WGSL loop that stages one K-slice of an operand into workgroup memory for the tiled GEMMs
 * (matmul.ts, fp8-gemm.ts, moe.ts's grouped expert GEMM). The operand is K-major in memory, read as
 * vec4 along K; the tile is stored transposed, `dst[k][row]`, so the inner product loop reads a row
 * of `dst` for every k. The threads of the workgroup share the `rows × TK/4` vec4 loads round-robin.
 * Only the load expression (a vec4<f32> in terms of `r`, the tile row, and `kc`, the vec4 column in
 * the slice) and its bounds conditions differ between the kernels; out-of-bounds elements are 0.
 *
 * The kernel must declare `TK4` (tileK / 4), `THREADS` and `tid` (local_invocation_index): `tileConstsWGSL`
 * declares the first two with the tile sizes.
 */

/** The tile-shape constants the tiled GEMMs share: TM, TN, TK, TK4, WX, WY, THREADS (one per line, trailing newline). */
export function tileConstsWGSL(tile: { readonly tileM: number; readonly tileN: number; readonly tileK: number }, wx: number, wy: number): string {
  return `const TM: u32 = ${tile.tileM}u;
const TN: u32 = ${tile.tileN}u;
const TK: u32 = ${tile.tileK}u;
const TK4: u32 = ${tile.tileK / 4}u;
const WX: u32 = ${wx}u;
const WY: u32 = ${wy}u;
const THREADS: u32 = ${wx * wy}u;
`;
}

export interface TileLoad {
  /** Workgroup array to fill, `array<f32, rows · TK>`. */
  readonly dst: string;
  /** WGSL expression for the rows of the tile (a const such as `TM` or `TN`). */
  readonly rows: string;
  /** WGSL vec4<f32> expression of the element (tile row `r`, vec4 column `kc` of this K-slice). */
  readonly load: string;
  /** Conditions under which the load is in bounds (all must hold); none: every load is. */
  readonly guards?: readonly string[];
}

/** The staging loop at an indent of 4 spaces, without a trailing newline. */
export function tileLoadWGSL(t: TileLoad): string {
  const guard = t.guards && t.guards.length > 0 ? `if (${t.guards.join(' && ')}) ` : '';
  return `    for (var l = tid; l < ${t.rows} * TK4; l += THREADS) {
      let r = l / TK4;
      let kc = l % TK4;
      var v = vec4<f32>(0.0);
      ${guard}{ v = ${t.load}; }
      ${t.dst}[(kc * 4u) * ${t.rows} + r] = v.x;
      ${t.dst}[(kc * 4u + 1u) * ${t.rows} + r] = v.y;
      ${t.dst}[(kc * 4u + 2u) * ${t.rows} + r] = v.z;
      ${t.dst}[(kc * 4u + 3u) * ${t.rows} + r] = v.w;
    }`;
}
