import type { Optimizer, StateDict, StateValue } from '@nabla/tensor';
import { checkInteger, checkOptions, stateObject } from '../validate.js';
import { EpochLrScheduler, type LrScheduler, type SchedulerSettings } from './lr-scheduler.js';

/** Builds one phase of a `SequentialLR` over the optimizer it is given. */
export type SchedulerFactory = (optimizer: Optimizer) => EpochLrScheduler<SchedulerSettings>;

/** Options of `new SequentialLR(optimizer, options)`: one scheduler factory per phase and the epochs at which the next phase starts. */
export interface SequentialLROptions {
  /** One factory per phase, e.g. `(o) => new LinearLR(o, { startFactor: 0.1, totalIters: 5 })`. */
  schedulers: readonly SchedulerFactory[];
  /** The epochs at which the next phase starts: strictly increasing integers ≥ 1, one fewer than phases. */
  milestones: readonly number[];
}

/**
 * `torch.optim.lr_scheduler.SequentialLR`: runs the phases one after another, each from its own
 * epoch 0. Phase k covers epochs [milestones[k−1], milestones[k]) and sets
 * lr = phase_k.lrAt(epoch − milestones[k−1]). Every phase starts from the optimizer's rate when
 * the `SequentialLR` is made (PyTorch's `initial_lr`): the phases are built by factories so that
 * building one does not shift the base rate of the next.
 *
 * A typical warmup then decay:
 * `new SequentialLR(opt, { schedulers: [(o) => new LinearLR(o, { startFactor: 0.1, totalIters: 5 }),
 * (o) => new CosineAnnealingLR(o, { tMax: 95 })], milestones: [5] })`.
 */
export class SequentialLR implements LrScheduler {
  readonly optimizer: Optimizer;
  /** The phases (used only through `lrAt`; their own `lastEpoch` does not move). */
  readonly schedulers: readonly EpochLrScheduler<SchedulerSettings>[];
  readonly milestones: readonly number[];
  private epoch = 0;
  private current: number;

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const owner = 'SequentialLR';
    const raw = checkOptions(owner, options, ['schedulers', 'milestones']);
    const factories = raw.schedulers;
    if (!Array.isArray(factories) || factories.length === 0) {
      throw new RangeError(`${owner}: schedulers must be a non-empty array of factories`);
    }
    const milestones = raw.milestones;
    if (!Array.isArray(milestones) || milestones.length !== factories.length - 1) {
      throw new RangeError(
        `${owner}: expected ${factories.length - 1} milestones for ${factories.length} schedulers, got ${Array.isArray(milestones) ? milestones.length : String(milestones)}`,
      );
    }
    milestones.forEach((m: unknown, i) => {
      checkInteger(owner, `milestones[${i}]`, m, i === 0 ? 1 : (milestones[i - 1] as number) + 1);
    });
    this.optimizer = optimizer;
    this.milestones = Object.freeze(milestones.slice() as number[]);
    const base = optimizer.lr;
    this.schedulers = Object.freeze(
      factories.map((make: unknown, i) => {
        if (typeof make !== 'function') {
          throw new TypeError(
            `${owner}: schedulers[${i}] must be a function (optimizer) => scheduler`,
          );
        }
        optimizer.lr = base;
        const scheduler: unknown = make(optimizer);
        if (!(scheduler instanceof EpochLrScheduler) || scheduler.optimizer !== optimizer) {
          throw new TypeError(
            `${owner}: schedulers[${i}] must build an epoch scheduler (StepLR, ExponentialLR, CosineAnnealingLR, LinearLR) over the same optimizer`,
          );
        }
        return scheduler as EpochLrScheduler<SchedulerSettings>;
      }),
    );
    this.current = this.lrAt(0);
    optimizer.lr = this.current;
  }

  get lastEpoch(): number {
    return this.epoch;
  }

  get lr(): number {
    return this.current;
  }

  /** The rate at `epoch`: the active phase's rate at the epochs since its milestone. */
  lrAt(epoch: number): number {
    let phase = 0;
    while (phase < this.milestones.length && epoch >= (this.milestones[phase] as number)) phase++;
    const start = phase === 0 ? 0 : (this.milestones[phase - 1] as number);
    return (this.schedulers[phase] as EpochLrScheduler<SchedulerSettings>).lrAt(epoch - start);
  }

  step(): void {
    this.epoch += 1;
    this.current = this.lrAt(this.epoch);
    this.optimizer.lr = this.current;
  }

  stateDict(): StateDict {
    return {
      scheduler: 'SequentialLR',
      lastEpoch: this.epoch,
      milestones: this.milestones.slice(),
      schedulers: this.schedulers.map((s) => s.stateDict() as StateValue),
    };
  }

  /** Restores the epoch and every phase; the milestones must match this scheduler's. */
  loadStateDict(state: StateDict): void {
    const owner = 'SequentialLR.loadStateDict';
    if (state.scheduler !== 'SequentialLR') {
      throw new TypeError(
        `${owner}: the state is for scheduler ${JSON.stringify(state.scheduler)}, not "SequentialLR"`,
      );
    }
    const epoch = checkInteger(owner, 'lastEpoch', state.lastEpoch, 0);
    const milestones = state.milestones;
    if (
      !Array.isArray(milestones) ||
      milestones.length !== this.milestones.length ||
      milestones.some((m, i) => m !== this.milestones[i])
    ) {
      throw new RangeError(
        `${owner}: the state's milestones ${JSON.stringify(milestones)} differ from this scheduler's [${this.milestones.join(', ')}]`,
      );
    }
    const phases = state.schedulers;
    if (!Array.isArray(phases) || phases.length !== this.schedulers.length) {
      throw new RangeError(`${owner}: expected ${this.schedulers.length} scheduler states`);
    }
    const phaseStates = phases.map((p, i) => stateObject('SequentialLR', p, `schedulers[${i}]`));
    this.schedulers.forEach((s, i) => {
      s.loadStateDict(phaseStates[i] as StateDict);
    });
    this.epoch = epoch;
    this.current = this.lrAt(epoch);
    this.optimizer.lr = this.current;
  }
}
