// Float32 matrix multiply for WebAssembly SIMD128, compiled by AssemblyScript (scripts/build-wasm.mjs).
//
// C[i0:i1, j0:j1] = op(A)·op(B) (+ C), all row-major, addresses in bytes. The caller (src/kernels/wasm.ts)
// copies the operands into linear memory and hands each thread a disjoint block of C and its own
// scratch area, so the same code serves one thread and many.
//
// Scheme (Goto/BLIS): for each block of NC columns and KC inner indices, B is packed into panels of
// NR columns (zero-padded), then for each block of MC rows A is packed into panels of MR rows, and a
// MR×NR register tile (8 f32x4 accumulators) runs over the packed panels. Packing absorbs the
// transposes: the micro-kernel only ever sees contiguous panels. Where a panel's values lie across
// rows of the operand (A as stored, B stored n×k), whole 4×4 squares are read and transposed in
// registers. Edge tiles are computed in full on the zero padding and only their valid part is
// written back.
//
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant: the relaxed build uses fused multiply-add.

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 1024;

/** Bytes of scratch one call of `gemm` needs (packed A block, packed B block, one edge tile). */
export function workBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/** First free byte of linear memory (the module has no static data; stub runtime). */
export function heapBase(): usize {
  return __heap_base;
}

function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/**
 * Reads four rows of four floats (row r at `src + r·stride`) and writes the four columns to
 * `dst + c·dstStride`: a 4×4 transpose in registers.
 */
function transpose4(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + stride);
  const r2 = v128.load(src + 2 * stride);
  const r3 = v128.load(src + 3 * stride);
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i64>(t0, t1, 0, 2));
  v128.store(dst + dstStride, v128.shuffle<i64>(t0, t1, 1, 3));
  v128.store(dst + 2 * dstStride, v128.shuffle<i64>(t2, t3, 0, 2));
  v128.store(dst + 3 * dstStride, v128.shuffle<i64>(t2, t3, 1, 3));
}

/**
 * Packs `width` (a multiple of 4) rows of a row-major operand, starting at `src` with rows
 * `stride` bytes apart, over `kc` columns into a panel that holds, for each column, the `width`
 * values of the rows. Whole 4×4 squares are transposed in registers; the last kc % 4 columns are
 * copied a float at a time. Returns the end of the panel.
 */
function packAcross(src: usize, stride: usize, kc: i32, width: i32, dst: usize): usize {
  const panelStride = (<usize>width) << 2;
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    for (let g = 0; g < width; g += 4) {
      transpose4(src + <usize>g * stride, stride, dst + ((<usize>g) << 2), panelStride);
    }
    src += 16;
    dst += panelStride << 2;
  }
  for (; p < kc; p++) {
    for (let r = 0; r < width; r++) {
      store<f32>(dst + ((<usize>r) << 2), load<f32>(src + <usize>r * stride));
    }
    src += 4;
    dst += panelStride;
  }
  return dst;
}

/**
 * Packs B[p0:p0+kc, j0:j0+nc] (B(p,j) = b[p*n+j], or b[j*k+p] when transposed) into panels of NR
 * columns: panel q holds, for each p, the NR values B(p0+p, j0+q*NR .. +NR), zero past column nc.
 */
function packB(
  b: usize,
  n: i32,
  k: i32,
  transB: bool,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const j = j0 + jr;
    if (!transB && cols === NR) {
      let src = b + ((<usize>p0 * <usize>n + <usize>j) << 2);
      const stride = (<usize>n) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += stride;
        dst += NR << 2;
      }
    } else if (!transB) {
      let src = b + ((<usize>p0 * <usize>n + <usize>j) << 2);
      const stride = (<usize>n) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, f32x4.splat(0));
        v128.store(dst, f32x4.splat(0), 16);
        for (let jj = 0; jj < cols; jj++) {
          store<f32>(dst + ((<usize>jj) << 2), load<f32>(src + ((<usize>jj) << 2)));
        }
        src += stride;
        dst += NR << 2;
      }
    } else if (cols === NR) {
      // B stored n×k: column j of op(B) is row j of b, contiguous in p.
      const stride = (<usize>k) << 2;
      dst = packAcross(b + ((<usize>j * <usize>k + <usize>p0) << 2), stride, kc, NR, dst);
    } else {
      // B stored n×k: column j of op(B) is row j of b, contiguous in p.
      for (let jj = 0; jj < NR; jj++) {
        let out = dst + ((<usize>jj) << 2);
        if (jj < cols) {
          let src = b + ((<usize>(j + jj) * <usize>k + <usize>p0) << 2);
          for (let p = 0; p < kc; p++) {
            store<f32>(out, load<f32>(src));
            src += 4;
            out += NR << 2;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f32>(out, 0);
            out += NR << 2;
          }
        }
      }
      dst += (<usize>kc * NR) << 2;
    }
  }
}

/**
 * Packs A[i0:i0+mc, p0:p0+kc] (A(i,p) = a[i*k+p], or a[p*m+i] when transposed) into panels of MR
 * rows: panel r holds, for each p, the MR values A(i0+r*MR .. +MR, p0+p), zero past row mc.
 */
function packA(
  a: usize,
  m: i32,
  k: i32,
  transA: bool,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i = i0 + ir;
    if (transA && rows === MR) {
      let src = a + ((<usize>p0 * <usize>m + <usize>i) << 2);
      const stride = (<usize>m) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        src += stride;
        dst += MR << 2;
      }
    } else if (transA) {
      let src = a + ((<usize>p0 * <usize>m + <usize>i) << 2);
      const stride = (<usize>m) << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, f32x4.splat(0));
        for (let ii = 0; ii < rows; ii++) {
          store<f32>(dst + ((<usize>ii) << 2), load<f32>(src + ((<usize>ii) << 2)));
        }
        src += stride;
        dst += MR << 2;
      }
    } else if (rows === MR) {
      // A stored m×k: row i is contiguous in p.
      const stride = (<usize>k) << 2;
      dst = packAcross(a + ((<usize>i * <usize>k + <usize>p0) << 2), stride, kc, MR, dst);
    } else {
      // A stored m×k: row i is contiguous in p.
      for (let ii = 0; ii < MR; ii++) {
        let out = dst + ((<usize>ii) << 2);
        if (ii < rows) {
          let src = a + ((<usize>(i + ii) * <usize>k + <usize>p0) << 2);
          for (let p = 0; p < kc; p++) {
            store<f32>(out, load<f32>(src));
            src += 4;
            out += MR << 2;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f32>(out, 0);
            out += MR << 2;
          }
        }
      }
      dst += (<usize>kc * MR) << 2;
    }
  }
}

/**
 * The MR×NR register tile: acc = Apanel·Bpanel over kc, then C = acc (add == false) or C += acc,
 * writing only `rows`×`cols` of it (through `tile` when the tile is partial).
 */
function kernel(
  kc: i32,
  pa: usize,
  pb: usize,
  c: usize,
  ldc: usize,
  add: bool,
  rows: i32,
  cols: i32,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += MR << 2;
    pb += NR << 2;
  }
  if (rows === MR && cols === NR) {
    if (add) {
      v128.store(c, f32x4.add(v128.load(c), c00));
      v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
      c += ldc;
      v128.store(c, f32x4.add(v128.load(c), c10));
      v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
      c += ldc;
      v128.store(c, f32x4.add(v128.load(c), c20));
      v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
      c += ldc;
      v128.store(c, f32x4.add(v128.load(c), c30));
      v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
    } else {
      v128.store(c, c00);
      v128.store(c, c01, 16);
      c += ldc;
      v128.store(c, c10);
      v128.store(c, c11, 16);
      c += ldc;
      v128.store(c, c20);
      v128.store(c, c21, 16);
      c += ldc;
      v128.store(c, c30);
      v128.store(c, c31, 16);
    }
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  for (let i = 0; i < rows; i++) {
    const src = tile + ((<usize>(i * NR)) << 2);
    const dst = c + <usize>i * ldc;
    for (let j = 0; j < cols; j++) {
      const o = (<usize>j) << 2;
      const v = load<f32>(src + o);
      store<f32>(dst + o, add ? load<f32>(dst + o) + v : v);
    }
  }
}

/** `gemm`'s epilogues, applied to each tile of C once its sum is complete. */
// Kind 1: c += bias[j] (the default branch below).
const EPILOGUE_BIAS_RELU: i32 = 2; // v = c + bias[j]; c = v < 0 ? −0 : v (NaN stays NaN)
const EPILOGUE_RELU_MASK: i32 = 3; // c = y is +0 or positive ? c : 0 (y: a kind-2 output)

/**
 * Applies epilogue `kind` to the rows × cols tile of C at `c` (row stride `ldc` bytes); `operand`
 * points at the tile's first bias value (bias kinds) or at the tile's place in y (the mask).
 *
 * ReLU writes −0 where its input was negative and +0 where it was zero (v + 0 turns −0 into +0), so
 * the mask can tell x ≥ 0 (the gradient passes: Relu′(0) = 1) from x < 0 by the sign alone.
 */
function epilogue(kind: i32, c: usize, ldc: usize, rows: i32, cols: i32, operand: usize): void {
  const zero = f32x4.splat(0);
  const negZero = f32x4.splat(-0.0);
  const izero = i32x4.splat(0);
  const whole = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ldc;
    const y = operand + <usize>r * ldc;
    let j = 0;
    for (; j < whole; j += 4) {
      const at = row + ((<usize>j) << 2);
      const v = v128.load(at);
      if (kind === EPILOGUE_RELU_MASK) {
        const m = v128.load(y + ((<usize>j) << 2));
        const keep = v128.and(f32x4.ge(m, zero), i32x4.ge_s(m, izero));
        v128.store(at, v128.and(v, keep));
      } else {
        const biased = f32x4.add(v, v128.load(operand + ((<usize>j) << 2)));
        if (kind === EPILOGUE_BIAS_RELU) {
          const x = f32x4.add(biased, zero);
          v128.store(at, v128.bitselect(negZero, x, f32x4.lt(x, zero)));
        } else {
          v128.store(at, biased);
        }
      }
    }
    for (; j < cols; j++) {
      const at = row + ((<usize>j) << 2);
      const v = load<f32>(at);
      if (kind === EPILOGUE_RELU_MASK) {
        const m = load<f32>(y + ((<usize>j) << 2));
        store<f32>(at, m >= 0 && reinterpret<i32>(m) >= 0 ? v : 0);
      } else {
        const biased: f32 = v + load<f32>(operand + ((<usize>j) << 2));
        if (kind === EPILOGUE_BIAS_RELU) {
          const x: f32 = biased + 0;
          store<f32>(at, x < 0 ? <f32>-0.0 : x);
        } else {
          store<f32>(at, biased);
        }
      }
    }
  }
}

/** The block size ≤ `limit` that splits `len` into equal parts, rounded up to a multiple of 8. */
function split(len: i32, limit: i32): i32 {
  const parts = (len + limit - 1) / limit;
  const size = (len + parts - 1) / parts;
  return min(limit, (size + 7) & ~7);
}

/**
 * C[i0:i1, j0:j1] = op(A)·op(B), or += when `accumulate`. C is m×n; op(A) is m×k (A stored k×m
 * when `transA`); op(B) is k×n (B stored n×k when `transB`). `work` is `workBytes()` of scratch.
 * With k == 0 the block is zeroed (or left alone when accumulating). `epilogueKind` (0 = none)
 * finishes each tile of C where it is still in cache: 1 adds the row vector at `epilogueOperand`
 * (a bias, n floats), 2 adds it and applies ReLU (−0 where negative, see `epilogue`), 3 zeroes C
 * where the m×n array at `epilogueOperand` (a kind-2 output) is −0 or NaN: ReLU's backward.
 */
export function gemm(
  a: usize,
  b: usize,
  c: usize,
  m: i32,
  n: i32,
  k: i32,
  transA: bool,
  transB: bool,
  accumulate: bool,
  epilogueKind: i32,
  epilogueOperand: usize,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  work: usize,
): void {
  if (i1 <= i0 || j1 <= j0) return;
  const ldc = (<usize>n) << 2;
  if (k === 0) {
    for (let i = i0; i < i1; i++) {
      const at = <usize>i * ldc + ((<usize>j0) << 2);
      if (!accumulate) memory.fill(c + at, 0, (<usize>(j1 - j0)) << 2);
      if (epilogueKind !== 0) {
        const operand =
          epilogueKind === EPILOGUE_RELU_MASK
            ? epilogueOperand + at
            : epilogueOperand + ((<usize>j0) << 2);
        epilogue(epilogueKind, c + at, ldc, 1, j1 - j0, operand);
      }
    }
    return;
  }
  const pa = work;
  const pb = pa + ((<usize>MC * <usize>KC) << 2);
  const tile = pb + ((<usize>KC * <usize>NC) << 2);
  // Equal-sized blocks (k = 784 runs as 4×196, not 3×256 + 16).
  const kcStep = split(k, KC);
  const ncStep = split(j1 - j0, NC);
  const mcStep = split(i1 - i0, MC);
  for (let jc = j0; jc < j1; jc += ncStep) {
    const nc = min(ncStep, j1 - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      packB(b, n, k, transB, pc, kc, jc, nc, pb);
      const add = accumulate || pc > 0;
      const last = pc + kc >= k;
      for (let ic = i0; ic < i1; ic += mcStep) {
        const mc = min(mcStep, i1 - ic);
        packA(a, m, k, transA, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = pb + ((<usize>jr * <usize>kc) << 2);
          const cols = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const at = <usize>(ic + ir) * ldc + ((<usize>(jc + jr)) << 2);
            kernel(kc, pa + ((<usize>ir * <usize>kc) << 2), bp, c + at, ldc, add, rows, cols, tile);
            if (last && epilogueKind !== 0) {
              const operand =
                epilogueKind === EPILOGUE_RELU_MASK
                  ? epilogueOperand + at
                  : epilogueOperand + ((<usize>(jc + jr)) << 2);
              epilogue(epilogueKind, c + at, ldc, rows, cols, operand);
            }
          }
        }
      }
    }
  }
}
