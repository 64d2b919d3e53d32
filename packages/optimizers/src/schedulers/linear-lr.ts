import type { Optimizer } from '@nabla/tensor';
import { checkInRange, checkInteger } from '../validate.js';
import { EpochLrScheduler, type EpochSchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of `new LinearLR(optimizer, options)`. */
export interface LinearLROptions extends EpochSchedulerOptions {
  /** Factor at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number | undefined;
  /** Factor from `totalIters` on, in [0, 1]. Default 1. */
  endFactor?: number | undefined;
  /** Epochs over which the factor moves linearly (an integer ≥ 1). Default 5. */
  totalIters?: number | undefined;
}

/** The validated settings of a `LinearLR`, as kept in its state dict. */
export type LinearLRSettings = {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
};

function parse(owner: string, raw: Readonly<Record<string, unknown>>): LinearLRSettings {
  const startFactor = checkInRange(owner, 'startFactor', raw.startFactor ?? 1 / 3, 0, 1);
  if (startFactor === 0) {
    throw new RangeError(`${owner}: startFactor must be > 0 (and <= 1), got 0`);
  }
  return {
    startFactor,
    endFactor: checkInRange(owner, 'endFactor', raw.endFactor ?? 1, 0, 1),
    totalIters: checkInteger(owner, 'totalIters', raw.totalIters ?? 5, 1),
  };
}

/**
 * `torch.optim.lr_scheduler.LinearLR`, the usual linear warmup:
 * lr = baseLr · (startFactor + (endFactor − startFactor) · min(epoch, totalIters) / totalIters).
 * For warmup followed by another schedule, wrap both in `SequentialLR`.
 */
export class LinearLR extends EpochLrScheduler<LinearLRSettings> {
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    const raw = schedulerOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    super('LinearLR', optimizer, raw.baseLr, parse('LinearLR', raw));
  }

  lrAt(epoch: number): number {
    const { startFactor, endFactor, totalIters } = this.settings;
    const progress = Math.min(epoch, totalIters) / totalIters;
    return this.baseLr * (startFactor + (endFactor - startFactor) * progress);
  }

  protected parseSettings(owner: string, raw: Readonly<Record<string, unknown>>): LinearLRSettings {
    return parse(owner, raw);
  }
}
