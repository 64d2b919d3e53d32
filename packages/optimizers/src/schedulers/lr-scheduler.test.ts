import type { Optimizer } from '@nabla/tensor';
import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Adam } from '../adam.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LinearLR } from './linear-lr.js';
import type { LrScheduler } from './lr-scheduler.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { SequentialLR } from './sequential-lr.js';
import { StepLR } from './step-lr.js';

const SCHEDULERS: [string, (o: Optimizer) => LrScheduler][] = [
  ['StepLR', (o) => new StepLR(o, { stepSize: 4, gamma: 0.7 })],
  ['ExponentialLR', (o) => new ExponentialLR(o, { gamma: 0.93 })],
  ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, { tMax: 17, etaMin: 1e-4 })],
  ['LinearLR', (o) => new LinearLR(o, { startFactor: 0.2, totalIters: 9 })],
  [
    'SequentialLR',
    (o) =>
      new SequentialLR(o, {
        schedulers: [
          (x) => new LinearLR(x, { totalIters: 3 }),
          (x) => new CosineAnnealingLR(x, { tMax: 20 }),
        ],
        milestones: [3],
      }),
  ],
  ['ReduceLROnPlateau', (o) => new ReduceLROnPlateau(o, { patience: 1, factor: 0.5, cooldown: 1 })],
];

/** An optimizer over one parameter with a loss that stalls, so ReduceLROnPlateau acts too. */
function setup(make: (o: Optimizer) => LrScheduler) {
  const p = createParameter('w', new Tensor('float64', Float64Array.of(3, -1), [2]));
  const optimizer = new Adam([p], { lr: 0.1 });
  return { p, optimizer, scheduler: make(optimizer) };
}

function epoch(s: ReturnType<typeof setup>, e: number): number {
  s.p.grad.data[0] = 2 * (s.p.value.data[0] as number);
  s.p.grad.data[1] = Math.sin(e);
  s.optimizer.step();
  const metric = Math.floor((s.p.value.data[0] as number) ** 2 * 4) / 4;
  s.scheduler.step(metric);
  return s.optimizer.lr;
}

describe('LrScheduler', () => {
  describe.each(SCHEDULERS)('%s', (name, make) => {
    it('resumes bit for bit from its state dict and the optimizer’s', () => {
      const whole = setup(make);
      const rates = Array.from({ length: 40 }, (_, e) => epoch(whole, e));
      expect(new Set(rates).size).toBeGreaterThan(2);

      const first = setup(make);
      for (let e = 0; e < 15; e++) epoch(first, e);
      const saved = structuredClone({
        optimizer: first.optimizer.stateDict(),
        scheduler: first.scheduler.stateDict(),
        value: first.p.value.data.slice(),
      });
      const second = setup(make);
      second.p.value.data.set(saved.value);
      second.optimizer.loadStateDict(saved.optimizer);
      second.scheduler.loadStateDict(saved.scheduler);
      expect(second.scheduler.lastEpoch).toBe(15);
      const resumed = Array.from({ length: 25 }, (_, k) => epoch(second, 15 + k));
      expect(resumed).toEqual(rates.slice(15));
      expect(Array.from(second.p.value.data)).toEqual(Array.from(whole.p.value.data));
    });

    it('refuses the state of another scheduler', () => {
      const other = name === 'StepLR' ? SCHEDULERS[1]![1] : SCHEDULERS[0]![1];
      const state = setup(other).scheduler.stateDict();
      expect(() => setup(make).scheduler.loadStateDict(state)).toThrow(
        new RegExp(`${name}.loadStateDict: the state is for scheduler`),
      );
    });
  });
});
