import { allocate, type DType, dtypeOf, type FloatDType, type TypedArrayFor } from './dtype.js';
import {
  formatShape,
  resolveReshape,
  type Shape,
  ShapeError,
  stridesOf,
  validateShape,
} from './shape.js';

/**
 * The brand every tensor carries (on `Tensor.prototype`). `Symbol.for` makes it the same symbol in
 * every copy of @nabla/tensor, so a tensor made by one copy is recognised by all of them.
 */
const TENSOR_BRAND = Symbol.for('@nabla/tensor/Tensor');

/**
 * Whether `value` is a tensor of any copy of @nabla/tensor loaded in this process (another
 * version, the CJS build next to the ESM one, a nested duplicate). Use it, or `instanceof Tensor`
 * (which calls it), rather than checking the class of one copy.
 */
export function isTensor(value: unknown): value is Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[TENSOR_BRAND] === true
  );
}

/** The property by which a view keeps the tensor it views reachable. */
const VIEW_BASE = Symbol('base');

/**
 * `view`, made to keep `base` reachable: a resident tensor's memory is given back when the tensor
 * holding it is collected, which must not happen while a view of it is in use.
 */
function viewOf<D extends DType>(base: Tensor<D>, view: Tensor<D>): Tensor<D> {
  Object.defineProperty(view, VIEW_BASE, { value: base });
  return view;
}

/** A nested array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/**
 * A tensor: a contiguous, row-major typed array plus a shape.
 *
 * `data` is exactly `size` elements long (a view when the tensor is a view of another).
 * Views (`reshape`, `rows`) share memory with the tensor they come from; every op that is not
 * documented as writing into an `out` argument returns a new tensor and leaves its inputs alone.
 *
 * `x instanceof Tensor` is true for tensors of every copy of the package (see `isTensor`), and the
 * class has no private members, so the types of two copies are compatible.
 */
export class Tensor<D extends DType = DType> {
  static {
    Object.defineProperty(Tensor.prototype, TENSOR_BRAND, { value: true });
  }

  /** `instanceof Tensor` accepts tensors of any copy of @nabla/tensor (see `isTensor`). */
  static [Symbol.hasInstance](value: unknown): value is Tensor {
    return isTensor(value);
  }

  readonly dtype: D;
  readonly shape: Shape;
  readonly size: number;
  readonly data: TypedArrayFor<D>;

  constructor(dtype: D, data: TypedArrayFor<D>, shape: Shape) {
    const size = validateShape(shape);
    if (dtypeOf(data) !== dtype) {
      throw new TypeError(
        `tensor: data is a ${dtypeOf(data)} array but dtype ${dtype} was asked for`,
      );
    }
    if (data.length !== size) {
      throw new ShapeError(
        `tensor: shape ${formatShape(shape)} needs ${size} elements but the data has ${data.length}`,
      );
    }
    this.dtype = dtype;
    this.shape = Object.freeze(shape.slice());
    this.size = size;
    this.data = data;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A view with another shape over the same data (O(1)); one dimension may be -1. */
  reshape(shape: Shape): Tensor<D> {
    return viewOf(this, new Tensor(this.dtype, this.data, resolveReshape(this.shape, shape)));
  }

  /** A view of rows `start` (inclusive) to `end` (exclusive) along axis 0, without copying. */
  rows(start: number, end: number = this.shape[0] ?? 0): Tensor<D> {
    if (this.rank === 0) throw new ShapeError('rows: a scalar tensor has no rows');
    const n = this.shape[0] as number;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
      throw new RangeError(`rows: range [${start}, ${end}) is out of bounds for ${n} rows`);
    }
    const rowSize = n === 0 ? 0 : this.size / n;
    const data = this.data.subarray(start * rowSize, end * rowSize) as TypedArrayFor<D>;
    return viewOf(this, new Tensor(this.dtype, data, [end - start, ...this.shape.slice(1)]));
  }

  /** A copy that owns its data. */
  clone(): Tensor<D> {
    return new Tensor(this.dtype, this.data.slice() as TypedArrayFor<D>, this.shape);
  }

  /** A copy converted to `dtype` (int32 conversion truncates toward zero). */
  astype<E extends DType>(dtype: E): Tensor<E> {
    const out = allocate(dtype, this.size);
    if (dtype === 'int32') {
      for (let i = 0; i < this.size; i++) out[i] = Math.trunc(this.data[i] as number);
    } else {
      out.set(this.data);
    }
    return new Tensor(dtype, out, this.shape);
  }

  /** The element at the given indices (one per axis). */
  get(...indices: number[]): number {
    return this.data[offsetOf(this.shape, indices, 'get')] as number;
  }

  /** The single value of a tensor with one element. */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError(
        `item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`,
      );
    }
    return this.data[0] as number;
  }

  /** The values as nested JavaScript arrays (a number for a scalar). */
  toArray(): NestedArray {
    if (this.rank === 0) return this.data[0] as number;
    const strides = stridesOf(this.shape);
    const build = (axis: number, offset: number): NestedArray[] => {
      const n = this.shape[axis] as number;
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const o = offset + i * (strides[axis] as number);
        out[i] = axis === this.rank - 1 ? (this.data[o] as number) : build(axis + 1, o);
      }
      return out;
    };
    return build(0, 0);
  }

  /** A readable rendering; large tensors are summarised with `...`. */
  toString(): string {
    const head = `Tensor(${this.dtype}, ${formatShape(this.shape)})`;
    if (this.rank === 0) return `${head} ${fmt(this.data[0] as number)}`;
    const edge = 3;
    const strides = stridesOf(this.shape);
    const render = (axis: number, offset: number, indent: string): string => {
      const n = this.shape[axis] as number;
      const idx: number[] = [];
      if (n > 2 * edge + 1) {
        for (let i = 0; i < edge; i++) idx.push(i);
        idx.push(-1);
        for (let i = n - edge; i < n; i++) idx.push(i);
      } else for (let i = 0; i < n; i++) idx.push(i);
      const parts = idx.map((i) => {
        if (i < 0) return '...';
        const o = offset + i * (strides[axis] as number);
        return axis === this.rank - 1
          ? fmt(this.data[o] as number)
          : render(axis + 1, o, `${indent} `);
      });
      const sep = axis === this.rank - 1 ? ', ' : `,\n${indent} `;
      return `[${parts.join(sep)}]`;
    };
    return `${head}\n${render(0, 0, '')}`;
  }
}

/** The flat offset of `indices` (one per axis) in a contiguous row-major array of `shape`. */
function offsetOf(shape: Shape, indices: readonly number[], op: string): number {
  const rank = shape.length;
  if (indices.length !== rank) {
    throw new RangeError(`${op}: got ${indices.length} indices for a tensor of rank ${rank}`);
  }
  let offset = 0;
  let stride = 1;
  for (let a = rank - 1; a >= 0; a--) {
    const i = indices[a] as number;
    const n = shape[a] as number;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`${op}: index ${i} is out of range for axis ${a} of size ${n}`);
    }
    offset += i * stride;
    stride *= n;
  }
  return offset;
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

/** A float tensor (float32 or float64): what parameters, activations and gradients are. */
export type FloatTensor = Tensor<FloatDType>;
