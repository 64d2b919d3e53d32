import type { Optimizer } from '@nabla/tensor';
import { checkNonNegative } from '../validate.js';
import { EpochLrScheduler, type EpochSchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of `new ExponentialLR(optimizer, options)`. */
export interface ExponentialLROptions extends EpochSchedulerOptions {
  /** Factor applied every epoch, ≥ 0. */
  gamma: number;
}

/** The validated settings of an `ExponentialLR`, as kept in its state dict. */
export type ExponentialLRSettings = { readonly gamma: number };

function parse(owner: string, raw: Readonly<Record<string, unknown>>): ExponentialLRSettings {
  return { gamma: checkNonNegative(owner, 'gamma', raw.gamma) };
}

/** `torch.optim.lr_scheduler.ExponentialLR`: lr = baseLr · gamma^epoch. */
export class ExponentialLR extends EpochLrScheduler<ExponentialLRSettings> {
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    const raw = schedulerOptions('ExponentialLR', options, ['gamma']);
    super('ExponentialLR', optimizer, raw.baseLr, parse('ExponentialLR', raw));
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.settings.gamma ** epoch;
  }

  protected parseSettings(
    owner: string,
    raw: Readonly<Record<string, unknown>>,
  ): ExponentialLRSettings {
    return parse(owner, raw);
  }
}
