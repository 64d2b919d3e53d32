/**
 * The reference byte conversion in JS: dst[i] = f32(src[i]·scale + shift), the product and the sum
 * in float64, rounded once to float32 by the store (so a 256-entry table built the same way holds
 * the same values).
 */
export function jsBytesToFloat(
  src: Uint8Array,
  dst: Float32Array,
  scale: number,
  shift: number,
): void {
  const n = src.length;
  for (let i = 0; i < n; i++) dst[i] = (src[i] as number) * scale + shift;
}
