/** A tensor's shape: one non-negative integer per axis, row-major. */
export type Shape = readonly number[];

/** Thrown for operands whose shapes do not fit together; the message names the op and the shapes. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/** A shape as error messages write it: `[64,784]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Checks that every dimension is a non-negative integer; returns the element count. */
export function validateShape(shape: Shape, op = 'tensor'): number {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  }
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: invalid shape ${formatShape(shape)}: dimension ${i} is ${String(d)}, expected a non-negative integer`,
      );
    }
    size *= d;
  }
  return size;
}

/** The number of elements of a shape (1 for the scalar shape `[]`). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Whether two shapes have the same rank and sizes. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides of a contiguous tensor of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] ?? 1;
  }
  return strides;
}

/** NumPy broadcasting: the shape two operands broadcast to, or a ShapeError naming the op. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast (axis ${i}: ${da} vs ${db})`,
      );
    }
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of `rank`, or throws naming the op. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves a reshape target that may contain one -1. */
export function resolveReshape(from: Shape, to: Shape): number[] {
  const size = sizeOf(from);
  let inferred = -1;
  let known = 1;
  const out = to.slice();
  for (let i = 0; i < to.length; i++) {
    const d = to[i] as number;
    if (d === -1) {
      if (inferred >= 0) {
        throw new ShapeError(`reshape: only one dimension may be -1, got ${formatShape(to)}`);
      }
      inferred = i;
    } else {
      if (!Number.isInteger(d) || d < 0) {
        throw new ShapeError(`reshape: invalid target shape ${formatShape(to)}`);
      }
      known *= d;
    }
  }
  if (inferred >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`,
      );
    }
    out[inferred] = size / known;
  } else if (known !== size) {
    throw new ShapeError(
      `reshape: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)} (${known} elements)`,
    );
  }
  return out;
}
