import { allocate, type DType, dtypeOf, isDType, type TypedArrayFor } from './dtype.js';
import { formatShape, type Shape, ShapeError, validateShape } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';

/**
 * A tensor from nested arrays (or a number, for a scalar). Rows must be rectangular.
 *
 * @example tensor([[1, 2], [3, 4]])            // float32, shape [2, 2]
 * @example tensor([0, 1, 2], 'int32')
 */
export function tensor<D extends DType = 'float32'>(values: NestedArray, dtype?: D): Tensor<D> {
  const dt = (dtype ?? 'float32') as D;
  if (!isDType(dt)) throw new TypeError(`tensor: unknown dtype ${JSON.stringify(dt)}`);
  const shape: number[] = [];
  let probe: NestedArray = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0] as NestedArray;
  }
  const data = allocate(dt, validateShape(shape, 'tensor'));
  let k = 0;
  const walk = (v: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') {
        throw new ShapeError(`tensor: ragged nested array: expected a number at ${path || 'top'}`);
      }
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new ShapeError(
        `tensor: ragged nested array at ${path || 'top'}: expected ${shape[axis]} elements along axis ${axis}`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i] as NestedArray, axis + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return new Tensor(dt, data, shape);
}

/** A tensor over an existing typed array (no copy); `shape` defaults to 1-D. */
export function fromTypedArray(data: Float32Array, shape?: Shape): Tensor<'float32'>;
export function fromTypedArray(data: Float64Array, shape?: Shape): Tensor<'float64'>;
export function fromTypedArray(data: Int32Array, shape?: Shape): Tensor<'int32'>;
export function fromTypedArray(
  data: Float32Array | Float64Array | Int32Array,
  shape: Shape = [data.length],
): Tensor {
  const dtype = dtypeOf(data);
  return new Tensor(dtype, data as TypedArrayFor<typeof dtype>, shape);
}

/** A tensor of `shape` filled with `value`. */
export function full<D extends DType = 'float32'>(
  shape: Shape,
  value: number,
  dtype?: D,
): Tensor<D> {
  const dt = (dtype ?? 'float32') as D;
  const data = allocate(dt, validateShape(shape, 'full'));
  if (value !== 0) data.fill(value);
  return new Tensor(dt, data, shape);
}

/** A tensor of `shape` filled with 0 (float32 unless `dtype` says otherwise). */
export function zeros<D extends DType = 'float32'>(shape: Shape, dtype?: D): Tensor<D> {
  return full(shape, 0, dtype);
}

/** A tensor of `shape` filled with 1 (float32 unless `dtype` says otherwise). */
export function ones<D extends DType = 'float32'>(shape: Shape, dtype?: D): Tensor<D> {
  return full(shape, 1, dtype);
}

/** A tensor with the shape and dtype of `t`, filled with `value`. */
export function fullLike<D extends DType>(t: Tensor<D>, value: number): Tensor<D> {
  return full(t.shape, value, t.dtype);
}

/** A tensor with the shape and dtype of `t`, filled with 0. */
export function zerosLike<D extends DType>(t: Tensor<D>): Tensor<D> {
  return full(t.shape, 0, t.dtype);
}

/** A tensor with the shape and dtype of `t`, filled with 1. */
export function onesLike<D extends DType>(t: Tensor<D>): Tensor<D> {
  return full(t.shape, 1, t.dtype);
}

/** Evenly spaced values in [start, stop) with `step`, like NumPy's arange. */
export function arange<D extends DType = 'float32'>(
  start: number,
  stop?: number,
  step = 1,
  dtype?: D,
): Tensor<D> {
  let lo = start;
  let hi = stop;
  if (hi === undefined) {
    hi = lo;
    lo = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new RangeError(`arange: step must be finite and non-zero, got ${step}`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new RangeError(`arange: bounds must be finite, got ${lo}, ${hi}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const dt = (dtype ?? 'float32') as D;
  const data = allocate(dt, n);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return new Tensor(dt, data, [n]);
}

/** The n×m identity (m defaults to n). */
export function eye<D extends DType = 'float32'>(n: number, m: number = n, dtype?: D): Tensor<D> {
  const dt = (dtype ?? 'float32') as D;
  const data = allocate(dt, validateShape([n, m], 'eye'));
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return new Tensor(dt, data, [n, m]);
}

/** Checks that `t` has `shape`, naming `what` in the error. */
export function assertShape(t: Tensor, shape: Shape, what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(
      `${what}: expected shape ${formatShape(shape)}, got ${formatShape(t.shape)}`,
    );
  }
}
