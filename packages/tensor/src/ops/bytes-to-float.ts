import { getEngine } from '../engine/registry.js';

/**
 * Converts bytes to float32 through an affine map, into `dst`: dst[i] = src[i]·scale + shift,
 * computed in float64 and rounded once to float32 — the values a 256-entry lookup table built in
 * JS the same way holds, bit for bit. The engine runs long arrays on its wasm SIMD kernel (writing
 * a resident `dst` where it is), short ones and the JS backend on a loop; every path gives the
 * same bits. The building block of image loaders: pixels 0–255 to `scale = 1/255`, `shift = 0`.
 *
 * `src` and `dst` have the same length and must not overlap; scale and shift are finite.
 */
export function bytesToFloat32(src: Uint8Array, dst: Float32Array, scale = 1, shift = 0): void {
  if (!(src instanceof Uint8Array) || !(dst instanceof Float32Array)) {
    throw new TypeError(
      `bytesToFloat32: expected a Uint8Array and a Float32Array, got ${src?.constructor?.name} and ${dst?.constructor?.name}`,
    );
  }
  if (src.length !== dst.length) {
    throw new RangeError(
      `bytesToFloat32: src has ${src.length} bytes, dst has ${dst.length} elements`,
    );
  }
  if (!Number.isFinite(scale) || !Number.isFinite(shift)) {
    throw new RangeError(
      `bytesToFloat32: scale and shift must be finite numbers, got ${scale} and ${shift}`,
    );
  }
  const engine = getEngine();
  if (engine.overlapping(src, dst)) {
    throw new RangeError('bytesToFloat32: src and dst share memory');
  }
  engine.bytesToFloat(src, dst, scale, shift);
}
