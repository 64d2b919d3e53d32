import type { Optimizer } from '@nabla/tensor';
import { checkInteger, checkNonNegative } from '../validate.js';
import { EpochLrScheduler, type EpochSchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of `new StepLR(optimizer, options)`. */
export interface StepLROptions extends EpochSchedulerOptions {
  /** Epochs between two decays (an integer ≥ 1). */
  stepSize: number;
  /** Factor applied every `stepSize` epochs, ≥ 0. Default 0.1. */
  gamma?: number | undefined;
}

/** The validated settings of a `StepLR`, as kept in its state dict. */
export type StepLRSettings = { readonly stepSize: number; readonly gamma: number };

function parse(owner: string, raw: Readonly<Record<string, unknown>>): StepLRSettings {
  return {
    stepSize: checkInteger(owner, 'stepSize', raw.stepSize, 1),
    gamma: checkNonNegative(owner, 'gamma', raw.gamma ?? 0.1),
  };
}

/** `torch.optim.lr_scheduler.StepLR`: lr = baseLr · gamma^⌊epoch / stepSize⌋. */
export class StepLR extends EpochLrScheduler<StepLRSettings> {
  constructor(optimizer: Optimizer, options: StepLROptions) {
    const raw = schedulerOptions('StepLR', options, ['stepSize', 'gamma']);
    super('StepLR', optimizer, raw.baseLr, parse('StepLR', raw));
  }

  lrAt(epoch: number): number {
    const { stepSize, gamma } = this.settings;
    return this.baseLr * gamma ** Math.floor(epoch / stepSize);
  }

  protected parseSettings(owner: string, raw: Readonly<Record<string, unknown>>): StepLRSettings {
    return parse(owner, raw);
  }
}
