// One fused Adam/AdamW step over float32 arrays (addresses in bytes), four elements at a time:
// the caller pads every array to a multiple of four elements (the lanes past n are scratch), so
// there is no scalar tail and the formula is written once here.
// one pass reads θ, g, m, v (and v̂max) and writes θ, m, v (and v̂max). The formula is the one
// src/kernels/js/adam.ts implements in JS; this is its SIMD128 form. 1 − β1 and 1 − β2 come in
// precomputed (in float64 by the caller): 1 − f32(0.999) in float32 would be off by 1e-5.
// m and v below the smallest normal float32 (2^-126) are stored as 0: the moments of inputs that
// are rarely active decay into subnormals within a few hundred steps (m by β1 = 0.9 a step), and
// arithmetic on subnormals made this update 1.6× slower in the middle of a training run. Their
// part in θ's update (< 1e-33·stepSize/ε) is far below any θ's rounding.

/** The smallest normal float32, 2^-126. */
const TINY: f32 = 1.1754943508222875e-38;

/**
 * For j < n:
 *   θ ← θ·shrink;  g ← g + l2·θ
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²   (each 0 when below 2^-126 in magnitude)
 *   s ← v, or with amsgrad (vmax ≠ 0): vmax ← max(vmax, v); s ← vmax
 *   θ ← θ − stepSize·m / (√s / bc2Sqrt + ε)
 */
export function adam(
  value: usize,
  grad: usize,
  m: usize,
  v: usize,
  vmax: usize,
  n: i32,
  stepSize: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  bc2Sqrt: f32,
  eps: f32,
  l2: f32,
  shrink: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const step = f32x4.splat(stepSize);
  const bc2 = f32x4.splat(bc2Sqrt);
  const e = f32x4.splat(eps);
  const wd = f32x4.splat(l2);
  const sh = f32x4.splat(shrink);
  const ams = vmax !== 0;
  const tiny = f32x4.splat(TINY);
  for (let j = 0; j < n; j += 4) {
    const o = (<usize>j) << 2;
    const theta = f32x4.mul(v128.load(value + o), sh);
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(wd, theta));
    let mj = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, g));
    let vj = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(g, g)));
    // Zero where |x| < 2^-126; NaN and ±∞ compare false and are kept (a diverging run shows).
    mj = v128.andnot(mj, f32x4.lt(f32x4.abs(mj), tiny));
    vj = v128.andnot(vj, f32x4.lt(f32x4.abs(vj), tiny));
    v128.store(m + o, mj);
    v128.store(v + o, vj);
    let s = vj;
    if (ams) {
      s = f32x4.max(v128.load(vmax + o), vj);
      v128.store(vmax + o, s);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(s), bc2), e);
    v128.store(value + o, f32x4.sub(theta, f32x4.div(f32x4.mul(step, mj), denom)));
  }
}
