/**
 * A register tile written out: WGSL has no unrolling, and SwiftShader keeps dynamically indexed private arrays in
 * memory (the direct conv's array version ran 10x slower), so the kernels that hold a tile of vec4 accumulators
 * (gemm.wgsl, conv2d.wgsl, conv2d-backward-input.wgsl) name one variable per accumulator and spell out every use.
 * Their launchers (gemm.ts, conv/direct-tile.ts) generate those lines with `unroll` and pass them as
 * {{PLACEHOLDER}} defines.
 */

/** line(r, c) for every row r < rows and column c < cols, rows outer, joined by `sep`. */
export function unroll(rows: number, cols: number, line: (r: number, c: number) => string, sep = '\n  '): string {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => line(r, c))).flat().join(sep);
}
