import { CosineAnnealingLR, ExponentialLR, StepLR } from '@nabla/optimizers';
import type { Optimizer } from '@nabla/tensor';
import type { Schedule } from './protocol.js';

/** When a learning-rate schedule steps: after every batch and/or after every epoch. */
export interface ScheduleDriver {
  afterBatch(): void;
  afterEpoch(): void;
}

/**
 * The CLI's schedules: `constant`; `cosine` annealed to 0 over the run, stepped per batch;
 * `step`, ×0.1 after every third of the epochs; `exponential`, ×0.85 per epoch.
 */
export function createSchedule(
  schedule: Schedule,
  optimizer: Optimizer,
  epochs: number,
  batchesPerEpoch: number,
): ScheduleDriver {
  switch (schedule) {
    case 'constant':
      return { afterBatch() {}, afterEpoch() {} };
    case 'cosine': {
      const s = new CosineAnnealingLR(optimizer, { tMax: Math.max(1, epochs * batchesPerEpoch) });
      return { afterBatch: () => s.step(), afterEpoch() {} };
    }
    case 'step': {
      const s = new StepLR(optimizer, {
        stepSize: Math.max(1, Math.floor(epochs / 3)),
        gamma: 0.1,
      });
      return { afterBatch() {}, afterEpoch: () => s.step() };
    }
    case 'exponential': {
      const s = new ExponentialLR(optimizer, { gamma: 0.85 });
      return { afterBatch() {}, afterEpoch: () => s.step() };
    }
  }
}
