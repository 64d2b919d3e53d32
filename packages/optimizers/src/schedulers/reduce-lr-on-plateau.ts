import type { Optimizer, StateDict, StateValue } from '@nabla/tensor';
import {
  checkChoice,
  checkInteger,
  checkNonNegative,
  checkOptions,
  stateObject,
} from '../validate.js';
import type { LrScheduler } from './lr-scheduler.js';

/** Options of `new ReduceLROnPlateau(optimizer, options)`. */
export interface ReduceLROnPlateauOptions {
  /** `min`: the metric should fall (a loss); `max`: it should rise (an accuracy). Default `min`. */
  mode?: 'min' | 'max' | undefined;
  /** Factor the rate is multiplied by on a plateau, in [0, 1). Default 0.1. */
  factor?: number | undefined;
  /** Epochs without improvement tolerated before reducing (an integer ≥ 0). Default 10. */
  patience?: number | undefined;
  /** How much better counts as better, ≥ 0. Default 1e-4. */
  threshold?: number | undefined;
  /** `rel`: better by a fraction `threshold` of the best; `abs`: by `threshold` itself. Default `rel`. */
  thresholdMode?: 'rel' | 'abs' | undefined;
  /** Epochs to wait after a reduction before counting again (an integer ≥ 0). Default 0. */
  cooldown?: number | undefined;
  /** The rate never goes below this, ≥ 0. Default 0. */
  minLr?: number | undefined;
  /** A reduction smaller than this is skipped, ≥ 0. Default 1e-8. */
  eps?: number | undefined;
}

/** The validated settings of a `ReduceLROnPlateau`, as kept in its state dict. */
export type ReduceLROnPlateauSettings = {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
};

const KNOWN = [
  'mode',
  'factor',
  'patience',
  'threshold',
  'thresholdMode',
  'cooldown',
  'minLr',
  'eps',
] as const;

function parse(owner: string, raw: Readonly<Record<string, unknown>>): ReduceLROnPlateauSettings {
  const factor = checkNonNegative(owner, 'factor', raw.factor ?? 0.1);
  if (factor >= 1) throw new RangeError(`${owner}: factor must be < 1, got ${factor}`);
  return {
    mode: checkChoice(owner, 'mode', raw.mode ?? 'min', ['min', 'max'] as const),
    factor,
    patience: checkInteger(owner, 'patience', raw.patience ?? 10, 0),
    threshold: checkNonNegative(owner, 'threshold', raw.threshold ?? 1e-4),
    thresholdMode: checkChoice(owner, 'thresholdMode', raw.thresholdMode ?? 'rel', [
      'rel',
      'abs',
    ] as const),
    cooldown: checkInteger(owner, 'cooldown', raw.cooldown ?? 0, 0),
    minLr: checkNonNegative(owner, 'minLr', raw.minLr ?? 0),
    eps: checkNonNegative(owner, 'eps', raw.eps ?? 1e-8),
  };
}

/**
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`: call `step(metric)` once per epoch with the
 * monitored value. When it has not improved (by `threshold`) for more than `patience` epochs,
 * lr ← max(lr · factor, minLr) (skipped if the change is below `eps`), then `cooldown` epochs
 * pass before bad epochs are counted again. It reads and writes `optimizer.lr` directly, so it
 * composes with manual changes.
 */
export class ReduceLROnPlateau implements LrScheduler {
  readonly optimizer: Optimizer;
  private settings: ReduceLROnPlateauSettings;
  private epoch = 0;
  private bestValue: number;
  private badEpochs = 0;
  private cooldownLeft = 0;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const raw = checkOptions('ReduceLROnPlateau', options, KNOWN);
    if (typeof optimizer !== 'object' || optimizer === null || typeof optimizer.lr !== 'number') {
      throw new TypeError('ReduceLROnPlateau: expected an Optimizer with a numeric lr');
    }
    this.optimizer = optimizer;
    this.settings = parse('ReduceLROnPlateau', raw);
    this.bestValue = this.worst();
  }

  get lastEpoch(): number {
    return this.epoch;
  }

  /** The optimizer's current rate. */
  get lr(): number {
    return this.optimizer.lr;
  }

  /** The best metric seen so far (±Infinity before the first step). */
  get best(): number {
    return this.bestValue;
  }

  /** Epochs since the last improvement (reset by a reduction and during cooldown). */
  get numBadEpochs(): number {
    return this.badEpochs;
  }

  step(metric?: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) {
      throw new RangeError(
        `ReduceLROnPlateau.step: expected the monitored metric as a number, got ${String(metric)}`,
      );
    }
    this.epoch += 1;
    if (this.isBetter(metric)) {
      this.bestValue = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.settings.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.settings.factor, this.settings.minLr);
      if (old - next > this.settings.eps) this.optimizer.lr = next;
      this.cooldownLeft = this.settings.cooldown;
      this.badEpochs = 0;
    }
  }

  stateDict(): StateDict {
    return {
      scheduler: 'ReduceLROnPlateau',
      lastEpoch: this.epoch,
      best: this.bestValue,
      numBadEpochs: this.badEpochs,
      cooldownCounter: this.cooldownLeft,
      settings: { ...this.settings } as Record<string, StateValue>,
    };
  }

  /** Restores the counters, the best metric and the settings (the rate lives in the optimizer's state). */
  loadStateDict(state: StateDict): void {
    const owner = 'ReduceLROnPlateau.loadStateDict';
    if (state.scheduler !== 'ReduceLROnPlateau') {
      throw new TypeError(
        `${owner}: the state is for scheduler ${JSON.stringify(state.scheduler)}, not "ReduceLROnPlateau"`,
      );
    }
    const epoch = checkInteger(owner, 'lastEpoch', state.lastEpoch, 0);
    if (typeof state.best !== 'number' || Number.isNaN(state.best)) {
      throw new TypeError(`${owner}: best must be a number, got ${String(state.best)}`);
    }
    const bad = checkInteger(owner, 'numBadEpochs', state.numBadEpochs, 0);
    const cooldown = checkInteger(owner, 'cooldownCounter', state.cooldownCounter, 0);
    const settings = parse(owner, stateObject('ReduceLROnPlateau', state.settings, 'settings'));
    this.settings = settings;
    this.epoch = epoch;
    this.bestValue = state.best;
    this.badEpochs = bad;
    this.cooldownLeft = cooldown;
  }

  private worst(): number {
    return this.settings.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(value: number): boolean {
    const { mode, thresholdMode, threshold } = this.settings;
    const best = this.bestValue;
    if (mode === 'min') {
      return thresholdMode === 'rel' ? value < best * (1 - threshold) : value < best - threshold;
    }
    return thresholdMode === 'rel' ? value > best * (threshold + 1) : value > best + threshold;
  }
}
