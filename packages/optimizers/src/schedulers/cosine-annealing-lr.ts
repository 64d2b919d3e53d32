import type { Optimizer } from '@nabla/tensor';
import { checkInteger, checkNonNegative } from '../validate.js';
import { EpochLrScheduler, type EpochSchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of `new CosineAnnealingLR(optimizer, options)`. */
export interface CosineAnnealingLROptions extends EpochSchedulerOptions {
  /** Epochs from the base rate down to `etaMin` (an integer ≥ 1). */
  tMax: number;
  /** The lowest rate, ≥ 0. Default 0. */
  etaMin?: number | undefined;
}

/** The validated settings of a `CosineAnnealingLR`, as kept in its state dict. */
export type CosineAnnealingLRSettings = { readonly tMax: number; readonly etaMin: number };

function parse(owner: string, raw: Readonly<Record<string, unknown>>): CosineAnnealingLRSettings {
  return {
    tMax: checkInteger(owner, 'tMax', raw.tMax, 1),
    etaMin: checkNonNegative(owner, 'etaMin', raw.etaMin ?? 0),
  };
}

/**
 * `torch.optim.lr_scheduler.CosineAnnealingLR` (SGDR without restarts):
 * lr = etaMin + (baseLr − etaMin) · (1 + cos(π · epoch / tMax)) / 2.
 * Past `tMax` the rate follows the same cosine back up, as PyTorch's does.
 */
export class CosineAnnealingLR extends EpochLrScheduler<CosineAnnealingLRSettings> {
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    const raw = schedulerOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    super('CosineAnnealingLR', optimizer, raw.baseLr, parse('CosineAnnealingLR', raw));
  }

  lrAt(epoch: number): number {
    const { tMax, etaMin } = this.settings;
    return etaMin + ((this.baseLr - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2;
  }

  protected parseSettings(
    owner: string,
    raw: Readonly<Record<string, unknown>>,
  ): CosineAnnealingLRSettings {
    return parse(owner, raw);
  }
}
