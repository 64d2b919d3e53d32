import type { Optimizer, StateDict, StateValue } from '@nabla/tensor';
import { checkInteger, checkLr, checkOptions, stateObject } from '../validate.js';

/**
 * A learning-rate schedule driving any `Optimizer` through its `lr` property (the only thing a
 * schedule needs from an optimizer, so it works with third-party optimizers too).
 *
 * Call `step()` once per epoch (or per iteration, if that is your unit) after `optimizer.step()`,
 * as in PyTorch; `ReduceLROnPlateau` takes the monitored metric: `step(validationLoss)`.
 */
export interface LrScheduler {
  readonly optimizer: Optimizer;
  /** The learning rate this scheduler last set (what `optimizer.lr` holds unless changed since). */
  readonly lr: number;
  /** Number of `step()` calls so far (PyTorch's `last_epoch`; 0 right after construction). */
  readonly lastEpoch: number;
  step(metric?: number): void;
  stateDict(): StateDict;
  loadStateDict(state: StateDict): void;
}

/** Scheduler settings: plain data, so they round-trip through `stateDict()`. */
export type SchedulerSettings = Readonly<Record<string, number | string>>;

/** Options every epoch-based scheduler accepts. */
export interface EpochSchedulerOptions {
  /** The rate at epoch 0 before any factor (default: `optimizer.lr` when the scheduler is made). */
  baseLr?: number | undefined;
}

/**
 * A schedule whose rate is a closed-form function of the epoch: `lrAt(epoch)` from `baseLr`
 * (PyTorch's `_get_closed_form_lr`). Constructing one sets `optimizer.lr = lrAt(0)`; each `step()`
 * advances the epoch and sets `optimizer.lr = lrAt(lastEpoch)`. Because the rate is recomputed
 * rather than multiplied into the current one, a manual change of `optimizer.lr` is overwritten
 * at the next step; combine schedules with `SequentialLR` instead of stacking two on one optimizer.
 */
export abstract class EpochLrScheduler<S extends SchedulerSettings> implements LrScheduler {
  readonly optimizer: Optimizer;
  /** The scheduler's name, used in errors and in `stateDict().scheduler`. */
  protected readonly kind: string;
  protected settings: S;
  private base: number;
  private epoch = 0;
  private current: number;

  protected constructor(kind: string, optimizer: Optimizer, baseLr: unknown, settings: S) {
    this.kind = kind;
    if (typeof optimizer !== 'object' || optimizer === null || typeof optimizer.lr !== 'number') {
      throw new TypeError(`${kind}: expected an Optimizer with a numeric lr`);
    }
    this.optimizer = optimizer;
    this.base = checkLr(`${kind} (baseLr)`, baseLr ?? optimizer.lr);
    this.settings = settings;
    this.current = this.lrAt(0);
    optimizer.lr = this.current;
  }

  /** The rate at `epoch` (pure: depends only on `baseLr` and the settings). */
  abstract lrAt(epoch: number): number;

  /** Validates settings, from the constructor's options or from a state dict. */
  protected abstract parseSettings(owner: string, raw: Readonly<Record<string, unknown>>): S;

  get baseLr(): number {
    return this.base;
  }

  get lastEpoch(): number {
    return this.epoch;
  }

  get lr(): number {
    return this.current;
  }

  step(): void {
    this.epoch += 1;
    this.current = this.lrAt(this.epoch);
    this.optimizer.lr = this.current;
  }

  stateDict(): StateDict {
    return {
      scheduler: this.kind,
      lastEpoch: this.epoch,
      baseLr: this.base,
      settings: { ...this.settings } as Record<string, StateValue>,
    };
  }

  /** Restores epoch, base rate and settings, and sets `optimizer.lr` to the rate at that epoch. */
  loadStateDict(state: StateDict): void {
    const owner = `${this.kind}.loadStateDict`;
    if (state.scheduler !== this.kind) {
      throw new TypeError(
        `${owner}: the state is for scheduler ${JSON.stringify(state.scheduler)}, not ${JSON.stringify(this.kind)}`,
      );
    }
    const epoch = checkInteger(owner, 'lastEpoch', state.lastEpoch, 0);
    const base = checkLr(`${owner} (baseLr)`, state.baseLr);
    const settings = this.parseSettings(owner, stateObject(this.kind, state.settings, 'settings'));
    this.epoch = epoch;
    this.base = base;
    this.settings = settings;
    this.current = this.lrAt(epoch);
    this.optimizer.lr = this.current;
  }
}

/** Checks a scheduler's options object, allowing `baseLr` plus the scheduler's own keys. */
export function schedulerOptions(
  owner: string,
  options: unknown,
  known: readonly string[],
): Readonly<Record<string, unknown>> {
  return checkOptions(owner, options, ['baseLr', ...known]);
}
