// Bytes to float32 through an affine map, sixteen at a time: dst[i] = f32(f64(src[i])·scale + shift).
// The product and the sum are float64 and the result is rounded once, exactly as the JS loop of
// src/kernels/js/bytes.ts computes it (and as a 256-entry lookup table built in JS holds it), so
// every path gives the same bits. Unaligned loads and stores: src and dst may start anywhere.

/** The four float64 → float32 results of the 32-bit lanes of q, scaled and shifted, into dst. */
function store4(q: v128, s: v128, t: v128, dst: usize): void {
  const low = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(q), s), t);
  const high = f64x2.add(
    f64x2.mul(f64x2.convert_low_i32x4_u(v128.shuffle<i32>(q, q, 2, 3, 0, 1)), s),
    t,
  );
  v128.store(
    dst,
    v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2),
  );
}

/** dst[i] = f32(src[i]·scale + shift) for i < n (src: n bytes, dst: n floats; addresses in bytes). */
export function bytesToFloat(src: usize, dst: usize, n: i32, scale: f64, shift: f64): void {
  const s = f64x2.splat(scale);
  const t = f64x2.splat(shift);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const b = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(b);
    const hi = i16x8.extend_high_i8x16_u(b);
    const out = dst + ((<usize>i) << 2);
    store4(i32x4.extend_low_i16x8_u(lo), s, t, out);
    store4(i32x4.extend_high_i16x8_u(lo), s, t, out + 16);
    store4(i32x4.extend_low_i16x8_u(hi), s, t, out + 32);
    store4(i32x4.extend_high_i16x8_u(hi), s, t, out + 48);
  }
  for (; i < n; i++) {
    store<f32>(dst + ((<usize>i) << 2), <f32>(<f64>load<u8>(src + <usize>i) * scale + shift));
  }
}
