// One plain SGD step over float32 arrays (addresses in bytes): value ← value − lr·grad, four
// elements at a time. The arithmetic is done in float64 and rounded once to float32, exactly as
// the JS loop of src/kernels/js/sgd.ts does (a float32 element promoted, lr·g and the difference
// rounded to float64, the result rounded to float32), so both give the same bits.

/** value[i] ← value[i] − lr·grad[i] for i < n (the arrays are padded to a multiple of 4 elements). */
export function sgd(value: usize, grad: usize, n: i32, lr: f64): void {
  const rate = f64x2.splat(lr);
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    const w = v128.load(value + o);
    const g = v128.load(grad + o);
    const low = f64x2.sub(f64x2.promote_low_f32x4(w), f64x2.mul(rate, f64x2.promote_low_f32x4(g)));
    const high = f64x2.sub(
      f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1)),
      f64x2.mul(rate, f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 0, 1))),
    );
    v128.store(
      value + o,
      v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2),
    );
  }
}
