import * as tensor from '@nabla/tensor';
import { describe, expect, it, vi } from 'vitest';
import { builtinOptimizerNames, optimizerFactories } from './registry.js';

// Every buffer the optimizers own comes from `residentZeros` (in the engine's memory where it
// can be) and none from `allocate`; count their calls around `step()`.
vi.mock('@nabla/tensor', async (importOriginal) => {
  const original = await importOriginal<typeof import('@nabla/tensor')>();
  return {
    ...original,
    allocate: vi.fn(original.allocate),
    residentZeros: vi.fn(original.residentZeros),
  };
});

/** Buffers per parameter with these options (sgd without momentum needs none). */
const BUFFERS: Record<string, number> = {
  sgd: 0,
  momentum: 1,
  nesterov: 1,
  adam: 3,
  adamw: 3,
  rmsprop: 3,
  adagrad: 1,
};

const FULL_OPTIONS: Record<string, object> = {
  sgd: { weightDecay: 0.01 },
  momentum: { dampening: 0.1 },
  nesterov: { weightDecay: 0.01 },
  adam: { amsgrad: true, weightDecay: 0.01 },
  adamw: { amsgrad: true },
  rmsprop: { centered: true, momentum: 0.9 },
  adagrad: { lrDecay: 0.01, initialAccumulatorValue: 0.1 },
};

describe('steady state', () => {
  it.each(builtinOptimizerNames)(
    '%s allocates its buffers at construction, none in step()',
    (name) => {
      const allocate = vi.mocked(tensor.allocate);
      const residentZeros = vi.mocked(tensor.residentZeros);
      const params = [
        tensor.createParameter('w', tensor.zeros([8, 4], 'float32')),
        tensor.createParameter('b', tensor.zeros([4], 'float64')),
      ];
      allocate.mockClear();
      residentZeros.mockClear();
      const optimizer = optimizerFactories[name](params, FULL_OPTIONS[name]);
      expect(residentZeros.mock.calls.length).toBe(BUFFERS[name]! * params.length);
      allocate.mockClear();
      residentZeros.mockClear();
      for (let t = 0; t < 20; t++) {
        for (const p of params) p.grad.data.fill(0.1 * (t + 1));
        optimizer.step();
      }
      expect(allocate).not.toHaveBeenCalled();
      expect(residentZeros).not.toHaveBeenCalled();
    },
  );
});
