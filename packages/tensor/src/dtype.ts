/** Element types a tensor can hold. `float32` is the default; `float64` is for gradient checks. */
export type DType = 'float32' | 'float64' | 'int32';
/** The floating-point element types (parameters, activations, gradients). */
export type FloatDType = 'float32' | 'float64';

/** The typed array that backs each dtype. */
export interface DataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
}

/** The typed array that stores a tensor of dtype `D`. */
export type TypedArrayFor<D extends DType> = DataTypeMap[D];
/** The storage of a float tensor. */
export type FloatArray = Float32Array | Float64Array;
/** The storage of any tensor. */
export type AnyTypedArray = Float32Array | Float64Array | Int32Array;

/** Allocates a zero-filled typed array of `dtype` with `length` elements. */
export function allocate<D extends DType>(dtype: D, length: number): TypedArrayFor<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length) as TypedArrayFor<D>;
    case 'float64':
      return new Float64Array(length) as TypedArrayFor<D>;
    case 'int32':
      return new Int32Array(length) as TypedArrayFor<D>;
    default:
      throw new TypeError(
        `unknown dtype ${JSON.stringify(dtype)}: expected float32, float64 or int32`,
      );
  }
}

/** The dtype of a typed array, or an error naming what was passed. */
export function dtypeOf(data: AnyTypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  throw new TypeError(
    `unsupported array type ${Object.prototype.toString.call(data)}: expected Float32Array, Float64Array or Int32Array`,
  );
}

/** Whether `value` is one of the dtypes: `'float32'`, `'float64'` or `'int32'`. */
export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'float64' || value === 'int32';
}

/** The dtype two operands promote to (NumPy-like: int32 op float32 → float32 is a deliberate choice; float64 wins). */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}
