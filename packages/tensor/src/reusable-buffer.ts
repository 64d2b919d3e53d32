import { allocate, type FloatArray, type FloatDType } from './dtype.js';
import { getEngine } from './engine/registry.js';
import { type Shape, shapesEqual, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * One reusable output buffer: the workspace mechanism of layers and losses (and of any custom
 * layer or loss). It hands back the same tensor for as long as the requested dtype
 * and shape stay the same, so a layer allocates nothing once the batch shape is stable. A
 * request that fits the existing storage (the last, shorter batch of an epoch) gets a view of
 * it; only a larger one allocates. The contents are whatever was last written: callers
 * overwrite them.
 *
 * float32 storage lives in the engine's memory when the backend allows it (see
 * `residentZeros`), so the kernels read and write it without copies. A tensor handed out keeps
 * its storage valid for as long as it is reachable, even after the buffer moved to a larger one.
 */
export class ReusableBuffer {
  private storage: FloatArray | undefined;
  private current: Tensor<FloatDType> | undefined;

  /** A tensor of `dtype` and `shape`, reused while both stay the same. */
  get<D extends FloatDType>(dtype: D, shape: Shape): Tensor<D> {
    const cur = this.current;
    if (cur !== undefined && cur.dtype === dtype && shapesEqual(cur.shape, shape)) {
      return cur as Tensor<D>;
    }
    return this.replace(dtype, shape);
  }

  /** A `[rows, cols]` matrix; checks the cached one without building a shape array. */
  matrix<D extends FloatDType>(dtype: D, rows: number, cols: number): Tensor<D> {
    const cur = this.current;
    if (
      cur !== undefined &&
      cur.dtype === dtype &&
      cur.shape.length === 2 &&
      cur.shape[0] === rows &&
      cur.shape[1] === cols
    ) {
      return cur as Tensor<D>;
    }
    return this.replace(dtype, [rows, cols]);
  }

  /** A tensor with the dtype and shape of `t`. */
  like<D extends FloatDType>(t: Tensor<D>): Tensor<D> {
    return this.get(t.dtype, t.shape);
  }

  private replace<D extends FloatDType>(dtype: D, shape: Shape): Tensor<D> {
    const size = sizeOf(shape);
    let storage = this.storage;
    const sameType =
      storage !== undefined && (dtype === 'float32') === storage instanceof Float32Array;
    const engine = getEngine();
    if (storage === undefined || !sameType || storage.length < size) {
      // The old storage stays held by the tensors handed out over it.
      storage = dtype === 'float32' ? engine.allocate(size, this) : allocate(dtype, size);
      if (dtype !== 'float32') engine.release(this);
      this.storage = storage;
    }
    const view = new Tensor(dtype, storage.subarray(0, size) as Tensor<D>['data'], shape);
    if (storage instanceof Float32Array) engine.hold(view.data as Float32Array, view);
    this.current = view;
    return view;
  }
}
