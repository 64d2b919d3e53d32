import { getOptimizerFactory } from '@nabla/optimizers';
import { Tensor } from '@nabla/tensor';
import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstItems } from './data.js';
import { type DemoModel, INPUTS, predictClasses } from './model.js';
import { pngToDigit } from './png.js';
import { mnist } from './test-support.js';
import { train } from './train.js';

type Rgb = [number, number, number];

/**
 * A 28 × 28 MNIST digit drawn `scale` times larger (bilinear) at (`left`, `top`) on a
 * `width`×`height` RGB picture, ink and paper in the given colours, encoded as a PNG.
 */
function renderPng(
  digit: Uint8Array,
  place: { scale: number; left: number; top: number; width: number; height: number },
  ink: Rgb,
  paper: Rgb,
): Uint8Array {
  const { scale, left, top, width, height } = place;
  const data = new Uint8Array(width * height * 3);
  const at = (r: number, c: number): number =>
    r < 0 || c < 0 || r > 27 || c > 27 ? 0 : (digit[r * 28 + c] as number) / 255;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = (y - top + 0.5) / scale - 0.5;
      const sx = (x - left + 0.5) / scale - 0.5;
      const r = Math.floor(sy);
      const c = Math.floor(sx);
      const fy = sy - r;
      const fx = sx - c;
      const v =
        (1 - fy) * ((1 - fx) * at(r, c) + fx * at(r, c + 1)) +
        fy * ((1 - fx) * at(r + 1, c) + fx * at(r + 1, c + 1));
      for (let k = 0; k < 3; k++)
        data[(y * width + x) * 3 + k] = Math.round(
          (paper[k] as number) * (1 - v) + (ink[k] as number) * v,
        );
    }
  }
  return encode({ width, height, data, channels: 3, depth: 8 });
}

/** Four looks: light on dark, dark on light (inverted), and two colour pairs of each polarity. */
const LOOKS: Array<{ ink: Rgb; paper: Rgb }> = [
  { ink: [255, 255, 255], paper: [0, 0, 0] },
  { ink: [20, 20, 20], paper: [250, 250, 250] },
  { ink: [30, 60, 200], paper: [255, 240, 180] },
  { ink: [255, 220, 60], paper: [40, 20, 90] },
];

describe('predict --image on large, off-centre, inverted and coloured MNIST digits', () => {
  let model: DemoModel;
  let test: Awaited<ReturnType<typeof mnist>>['test'];
  beforeAll(async () => {
    const data = await mnist();
    test = data.test;
    ({ model } = await train({
      config: { epochs: 1, batchSize: 64, lr: 0.003, hidden: 128, schedule: 'constant', seed: 3 },
      train: firstItems(data.train, 15_000),
      test: firstItems(data.test, 1000),
      optimizerFactory: getOptimizerFactory('adam'),
    }));
  }, 60_000);

  it('gives the label the model gives the original 28×28 digit in ≥ 95 % of 400 cases', () => {
    const cases = 400;
    const original = predictClasses(
      model,
      new Tensor(
        'float32',
        Float32Array.from(test.images.subarray(0, cases * INPUTS), (v) => v / 255),
        [cases, INPUTS],
      ),
    );
    const prepared = new Float32Array(cases * INPUTS);
    for (let i = 0; i < cases; i++) {
      // Scales 3–7 (84–196 pixels), anywhere in a 260 × 220 picture, four looks in turn.
      const scale = 3 + (i % 5);
      const side = 28 * scale;
      const look = LOOKS[i % LOOKS.length] as (typeof LOOKS)[number];
      const png = renderPng(
        test.images.subarray(i * INPUTS, (i + 1) * INPUTS),
        {
          scale,
          left: ((i * 37) % (260 - side + 1)) - 4,
          top: ((i * 53) % (220 - side + 1)) - 4,
          width: 260,
          height: 220,
        },
        look.ink,
        look.paper,
      );
      prepared.set(pngToDigit(png).pixels, i * INPUTS);
    }
    const fromPng = predictClasses(model, new Tensor('float32', prepared, [cases, INPUTS]));
    let agree = 0;
    for (let i = 0; i < cases; i++) if (fromPng[i] === original[i]) agree++;
    console.log(`prepared PNGs agree with the original digits in ${agree}/${cases} cases`);
    expect(agree / cases).toBeGreaterThanOrEqual(0.95);
  });
});
