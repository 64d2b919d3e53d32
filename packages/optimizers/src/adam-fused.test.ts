import { createParameter, createRng, uniform } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';

/**
 * Float32 parameters of 256 or more elements take the tensor core's fused Adam kernel (wasm
 * SIMD where available) instead of the loop; the small shapes of the reference suite never do.
 * This checks that path against the documented equations in float64, for 100 steps.
 */
const N = 1000;
const gradient = (theta: readonly number[], t: number, j: number): number =>
  Math.sin(0.37 * j + 0.11 * t) + 0.3 * (theta[j] as number);

function reference(
  init: Float32Array,
  lr: number,
  [b1, b2]: readonly [number, number],
  eps: number,
  wd: number,
  decoupled: boolean,
  amsgrad: boolean,
): number[] {
  const theta = Array.from(init);
  const m = new Array<number>(N).fill(0);
  const v = new Array<number>(N).fill(0);
  const vMax = new Array<number>(N).fill(0);
  for (let t = 1; t <= 100; t++) {
    const g0 = theta.map((_, j) => gradient(theta, t, j));
    for (let j = 0; j < N; j++) {
      let th = theta[j] as number;
      let g = g0[j] as number;
      if (decoupled) th -= lr * wd * th;
      else g += wd * th;
      m[j] = b1 * (m[j] as number) + (1 - b1) * g;
      v[j] = b2 * (v[j] as number) + (1 - b2) * g * g;
      const mHat = (m[j] as number) / (1 - b1 ** t);
      let vHat = (v[j] as number) / (1 - b2 ** t);
      if (amsgrad) {
        vMax[j] = Math.max(vMax[j] as number, v[j] as number);
        vHat = (vMax[j] as number) / (1 - b2 ** t);
      }
      theta[j] = th - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
  return theta;
}

describe.each([
  ['Adam', false, false, 0],
  ['Adam, L2 0.01, amsgrad', false, true, 0.01],
  ['AdamW, decay 0.05', true, false, 0.05],
] as const)(
  '%s on a float32 parameter of 1,000 elements (fused kernel)',
  (_l, decoupled, amsgrad, wd) => {
    it('follows the documented equations for 100 steps (relative error < 1e-5)', () => {
      const value = uniform(createRng(3), [N], -1, 1);
      const init = value.data.slice();
      const p = createParameter('w', value);
      const options = {
        lr: 0.01,
        betas: [0.9, 0.99] as const,
        eps: 1e-8,
        weightDecay: wd,
        amsgrad,
      };
      const opt = decoupled ? new AdamW([p], options) : new Adam([p], options);
      for (let t = 1; t <= 100; t++) {
        const theta = Array.from(p.value.data);
        for (let j = 0; j < N; j++) p.grad.data[j] = gradient(theta, t, j);
        const gradCopy = p.grad.data.slice();
        opt.step();
        expect(p.grad.data).toEqual(gradCopy);
      }
      const expected = reference(init, 0.01, [0.9, 0.99], 1e-8, wd, decoupled, amsgrad);
      let worst = 0;
      for (let j = 0; j < N; j++) {
        const e = expected[j] as number;
        worst = Math.max(
          worst,
          Math.abs((p.value.data[j] as number) - e) / Math.max(Math.abs(e), 1),
        );
      }
      expect(worst).toBeLessThan(1e-5);
      expect(Math.abs((p.value.data[0] as number) - (init[0] as number))).toBeGreaterThan(0.05);
    });
  },
);
