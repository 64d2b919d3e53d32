import type { FloatArray, Optimizer, Parameter, StateDict, StateValue } from '@nabla/tensor';
import { formatShape, residentZeros, ShapeError, type Tensor } from '@nabla/tensor';
import {
  checkInteger,
  checkLr,
  checkParameter,
  checkParameters,
  stateBuffer,
  stateObject,
} from './validate.js';

/** A hyperparameter value: plain data, so it round-trips through `stateDict()`. */
export type HyperparameterValue = number | boolean | readonly number[];

/** The hyperparameters of one optimizer (everything but `lr`), e.g. `{ betas, eps, weightDecay }`. */
export type Hyperparameters = Readonly<Record<string, HyperparameterValue>>;

/** The per-parameter buffers of one optimizer, by name (`expAvg`, `momentumBuffer`, ...). */
export type ParameterBuffers = Record<string, FloatArray>;

/**
 * Bookkeeping shared by the built-in optimizers, so each one is only its update rule.
 *
 * The base validates the parameters and the learning rate, checks every gradient's shape before
 * any value is touched, counts steps, allocates the per-parameter buffers once (in the
 * parameter's dtype) and turns all of it into a plain state dict and back. A subclass supplies
 * `update()` (one parameter, one step, loops over `.data`), `bufferNames()` and `parseOptions()`.
 *
 * Nothing requires an optimizer to extend this: the contract is the `Optimizer` interface in
 * `@nabla/tensor`.
 */
export abstract class BaseOptimizer<O extends Hyperparameters> implements Optimizer {
  readonly parameters: readonly Parameter[];
  /** The optimizer's name as used in errors and in `stateDict().optimizer`. */
  protected readonly kind: string;
  protected options: O;
  private buffers: ParameterBuffers[];
  /**
   * The tensors the buffers are the data of (in the engine's memory where it can hold them, so the
   * fused updates use them without copies): kept so the memory lives as long as the optimizer.
   */
  private readonly bufferTensors: Tensor[] = [];
  private readonly sizes: readonly number[];
  private steps = 0;
  private currentLr: number;

  protected constructor(kind: string, parameters: readonly Parameter[], lr: unknown, options: O) {
    this.kind = kind;
    this.parameters = Object.freeze(checkParameters(kind, parameters).slice());
    this.sizes = this.parameters.map((p) => p.value.size);
    this.currentLr = checkLr(kind, lr);
    this.options = options;
    this.buffers = this.parameters.map(() => ({}));
    this.allocateBuffers();
  }

  /** Read on every step; assigning a negative, infinite or NaN rate throws. */
  get lr(): number {
    return this.currentLr;
  }

  set lr(value: number) {
    this.currentLr = checkLr(this.kind, value);
  }

  /** Steps taken so far (PyTorch's `step` count). */
  get stepCount(): number {
    return this.steps;
  }

  /** The current hyperparameters (a copy). */
  get hyperparameters(): O {
    return { ...this.options };
  }

  /** The buffers `update()` needs for these hyperparameters, e.g. `['expAvg', 'expAvgSq']`. */
  protected abstract bufferNames(options: O): readonly string[];

  /** Validates hyperparameters, from the constructor's options or from a state dict. */
  protected abstract parseOptions(owner: string, raw: Readonly<Record<string, unknown>>): O;

  /**
   * Updates one parameter in place: `value` from `grad` (never written), with the parameter's
   * buffers. `t` is the 1-based index of this step.
   */
  protected abstract update(
    value: FloatArray,
    grad: FloatArray,
    buffers: ParameterBuffers,
    lr: number,
    t: number,
  ): void;

  /** The value a buffer starts from (0 unless overridden, e.g. Adagrad's initial accumulator). */
  protected initialBufferValue(_name: string, _options: O): number {
    return 0;
  }

  step(): void {
    const params = this.parameters;
    // Check everything first so that a bad gradient never leaves a half-updated model.
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as Parameter;
      checkParameter(this.kind, p, i);
      if (p.value.data.length !== this.sizes[i]) {
        throw new RangeError(
          `${this.kind}: parameter ${JSON.stringify(p.name)} (#${i}) has ${p.value.data.length} elements now but had ${this.sizes[i]} when the optimizer was created`,
        );
      }
    }
    const t = ++this.steps;
    const lr = this.currentLr;
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as Parameter;
      this.update(p.value.data, p.grad.data, this.buffers[i] as ParameterBuffers, lr, t);
    }
  }

  stateDict(): StateDict {
    const names = this.bufferNames(this.options);
    const options: Record<string, StateValue> = {};
    for (const [key, value] of Object.entries(this.options)) {
      options[key] = Array.isArray(value) ? value.slice() : value;
    }
    return {
      optimizer: this.kind,
      lr: this.currentLr,
      step: this.steps,
      options,
      state: this.parameters.map((p, i) => {
        const entry: Record<string, StateValue> = { name: p.name, shape: p.value.shape.slice() };
        const buffers = this.buffers[i] as ParameterBuffers;
        for (const name of names) entry[name] = (buffers[name] as FloatArray).slice();
        return entry;
      }),
    };
  }

  /**
   * Restores `lr`, the step count, the hyperparameters and every buffer (copied) from a state
   * dict made by the same optimizer over parameters of the same names and sizes. Everything is
   * checked before anything changes.
   */
  loadStateDict(state: StateDict): void {
    const owner = `${this.kind}.loadStateDict`;
    if (state.optimizer !== this.kind) {
      throw new TypeError(
        `${owner}: the state is for optimizer ${JSON.stringify(state.optimizer)}, not ${JSON.stringify(this.kind)}`,
      );
    }
    const lr = checkLr(owner, state.lr);
    const steps = checkInteger(owner, 'step', state.step, 0);
    const options = this.parseOptions(owner, stateObject(this.kind, state.options, 'options'));
    const entries = state.state;
    if (!Array.isArray(entries) || entries.length !== this.parameters.length) {
      throw new RangeError(
        `${owner}: the state has ${Array.isArray(entries) ? entries.length : 'no'} parameter entries but the optimizer has ${this.parameters.length} parameters`,
      );
    }
    const names = this.bufferNames(options);
    const loaded = this.parameters.map((p, i) => {
      const entry = stateObject(this.kind, entries[i] as StateValue, `state[${i}]`);
      if (entry.name !== p.name) {
        throw new RangeError(
          `${owner}: state entry #${i} is for parameter ${JSON.stringify(entry.name)} but parameter #${i} is ${JSON.stringify(p.name)}`,
        );
      }
      const shape = entry.shape;
      if (
        !Array.isArray(shape) ||
        shape.length !== p.value.shape.length ||
        shape.some((d, k) => d !== p.value.shape[k])
      ) {
        throw new ShapeError(
          `${owner}: state entry #${i} (${JSON.stringify(p.name)}) is for shape ${Array.isArray(shape) ? formatShape(shape as number[]) : String(shape)} but the parameter has shape ${formatShape(p.value.shape)}`,
        );
      }
      for (const key of Object.keys(entry)) {
        if (key !== 'name' && key !== 'shape' && !names.includes(key)) {
          throw new RangeError(
            `${owner}: state entry #${i} (${JSON.stringify(p.name)}) has an unexpected buffer ${JSON.stringify(key)} (expected ${names.join(', ') || 'none'})`,
          );
        }
      }
      return names.map((name) =>
        stateBuffer(
          this.kind,
          entry[name],
          `state[${i}].${name} of ${JSON.stringify(p.name)}`,
          p.value.size,
        ),
      );
    });
    this.currentLr = lr;
    this.steps = steps;
    this.options = options;
    this.allocateBuffers();
    loaded.forEach((arrays, i) => {
      const buffers = this.buffers[i] as ParameterBuffers;
      names.forEach((name, k) => {
        (buffers[name] as FloatArray).set(arrays[k] as FloatArray);
      });
    });
  }

  /** Allocates the buffers the current hyperparameters need (once; only missing ones after a load). */
  private allocateBuffers(): void {
    const names = this.bufferNames(this.options);
    this.buffers = this.parameters.map((p, i) => {
      const old = this.buffers[i] ?? {};
      const next: ParameterBuffers = {};
      for (const name of names) {
        const existing = old[name];
        if (existing !== undefined) {
          next[name] = existing;
        } else {
          const held = residentZeros([p.value.size], p.value.dtype);
          this.bufferTensors.push(held);
          const buffer = held.data;
          const initial = this.initialBufferValue(name, this.options);
          if (initial !== 0) buffer.fill(initial);
          next[name] = buffer;
        }
      }
      return next;
    });
  }
}
