import type { FloatDType } from '../dtype.js';
import { allocate } from '../dtype.js';
import { getEngine } from '../engine/registry.js';
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
  const { transA = false, transB = false, out, accumulate = false } = options;
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
  getEngine().matmul({ a: a.data, b: b.data, c: c.data, m, n, k, transA, transB, accumulate });
  return c;
}
