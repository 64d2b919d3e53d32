import type { FloatDType } from '../dtype.js';
import { allocate } from '../dtype.js';
import { getEngine } from '../engine/registry.js';
import { EPILOGUE, type Epilogue } from '../kernels/kernels.js';
import { formatShape, ShapeError } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Options of `matmul`: transpose flags, an `out` tensor and accumulation into it. */
export interface MatmulOptions<D extends FloatDType> {
  /** Use Aᵀ instead of A (A is stored k×m). */
  transA?: boolean | undefined;
  /** Use Bᵀ instead of B (B is stored n×k). */
  transB?: boolean | undefined;
  /** Write the result here (shape [m, n], same dtype) instead of allocating. Must not alias a or b. */
  out?: Tensor<D> | undefined;
  /** Add the product to `out` instead of overwriting it (needs `out`). */
  accumulate?: boolean | undefined;
  /** Add this row vector (shape [n]) to every row of the result, in the product's epilogue. */
  bias?: Tensor<D> | undefined;
  /**
   * Apply ReLU after adding `bias` (needs `bias`), in the product's epilogue: the result is the
   * sum where it is ≥ 0 and −0 (negative zero) where it is negative, so that `reluMask` can tell
   * an input of exactly 0 (whose gradient passes: Relu′(0) = 1) from a negative one.
   */
  relu?: boolean | undefined;
  /**
   * ReLU's backward in the product's epilogue: keep the result where this [m, n] tensor (the
   * output of a `relu: true` product) is +0 or positive, and write 0 where it is −0 or NaN.
   */
  reluMask?: Tensor<D> | undefined;
}

/**
 * Matrix product of 2-D tensors: op(A)·op(B), where op transposes when the flag is set, so that
 * backward passes (XᵀG, GWᵀ) never materialise a transposed copy.
 *
 * @example matmul(x, w)                         // [n,d]·[d,p] → [n,p]
 * @example matmul(x, g, { transA: true })        // Xᵀ·G
 * @example matmul(g, w, { transB: true, out })   // G·Wᵀ into a reused buffer
 */
export function matmul<D extends FloatDType>(
  a: Tensor<D>,
  b: Tensor<D>,
  options: MatmulOptions<D> = {},
): Tensor<D> {
  const { transA = false, transB = false, out, accumulate = false, bias, relu, reluMask } = options;
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(
      `matmul: expected 2-D tensors, got ${formatShape(a.shape)} x ${formatShape(b.shape)}`,
    );
  }
  if (a.dtype !== b.dtype) {
    throw new TypeError(`matmul: dtypes differ: ${a.dtype} x ${b.dtype}`);
  }
  if ((a.dtype as string) === 'int32') {
    throw new TypeError('matmul: int32 tensors are not supported; convert with astype("float32")');
  }
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    const fa = transA ? `${formatShape(a.shape)}ᵀ` : formatShape(a.shape);
    const fb = transB ? `${formatShape(b.shape)}ᵀ` : formatShape(b.shape);
    throw new ShapeError(`matmul: inner dimensions differ: ${fa} x ${fb}`);
  }
  let c: Tensor<D>;
  if (out) {
    if (out.dtype !== a.dtype)
      throw new TypeError(`matmul: out is ${out.dtype}, operands are ${a.dtype}`);
    if (out.rank !== 2 || out.shape[0] !== m || out.shape[1] !== n) {
      throw new ShapeError(`matmul: out has shape ${formatShape(out.shape)}, expected [${m},${n}]`);
    }
    const engine = getEngine();
    if (engine.overlapping(out.data, a.data) || engine.overlapping(out.data, b.data)) {
      throw new RangeError('matmul: out must not overlap an operand');
    }
    c = out;
  } else {
    if (accumulate) throw new TypeError('matmul: accumulate needs an out tensor to add into');
    c = new Tensor(a.dtype, allocate(a.dtype, m * n), [m, n]);
  }
  const epilogue = epilogueOf(a.dtype, m, n, bias, relu === true, reluMask);
  if (epilogue !== undefined && getEngine().overlapping(epilogue.operand.data, c.data)) {
    throw new RangeError('matmul: out must not overlap the bias or the ReLU mask');
  }
  getEngine().matmul({
    a: a.data,
    b: b.data,
    c: c.data,
    m,
    n,
    k,
    transA,
    transB,
    accumulate,
    epilogue: epilogue?.kind,
    operand: epilogue?.operand.data,
  });
  return c;
}

/** The checked epilogue of a product (see `MatmulOptions`), or undefined for none. */
function epilogueOf<D extends FloatDType>(
  dtype: D,
  m: number,
  n: number,
  bias: Tensor<D> | undefined,
  relu: boolean,
  reluMask: Tensor<D> | undefined,
): { kind: Epilogue; operand: Tensor<D> } | undefined {
  if (reluMask !== undefined) {
    if (bias !== undefined || relu) {
      throw new TypeError('matmul: reluMask cannot be combined with bias or relu');
    }
    if (
      reluMask.dtype !== dtype ||
      reluMask.rank !== 2 ||
      reluMask.shape[0] !== m ||
      reluMask.shape[1] !== n
    ) {
      throw new ShapeError(
        `matmul: reluMask is ${reluMask.dtype} ${formatShape(reluMask.shape)}, expected ${dtype} [${m},${n}] like the result`,
      );
    }
    return { kind: EPILOGUE.reluMask, operand: reluMask };
  }
  if (bias === undefined) {
    if (relu) throw new TypeError('matmul: relu needs a bias (pass zeros for none)');
    return undefined;
  }
  if (bias.dtype !== dtype || bias.rank !== 1 || bias.shape[0] !== n) {
    throw new ShapeError(
      `matmul: bias is ${bias.dtype} ${formatShape(bias.shape)}, expected ${dtype} [${n}] (one value per column of the result)`,
    );
  }
  return { kind: relu ? EPILOGUE.biasRelu : EPILOGUE.bias, operand: bias };
}
