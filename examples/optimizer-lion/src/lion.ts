import type {
  FloatArray,
  Optimizer,
  OptimizerOptions,
  Parameter,
  StateDict,
  StateValue,
} from '@nabla/tensor';

export interface LionOptions extends OptimizerOptions {
  /** Step size. Default 1e-4 (Lion wants a rate 3–10× smaller than AdamW's). */
  lr?: number;
  /** (β1, β2): interpolation for the update direction and decay of the momentum, each in [0, 1). Default [0.9, 0.99]. */
  betas?: readonly [number, number];
  /** Decoupled weight decay λ ≥ 0. Default 0. */
  weightDecay?: number;
}

interface Hyper {
  beta1: number;
  beta2: number;
  weightDecay: number;
}

function checkNumber(
  what: string,
  value: unknown,
  ok: (x: number) => boolean,
  rule: string,
): number {
  if (typeof value !== 'number' || !ok(value)) {
    throw new RangeError(`Lion: ${what} must be ${rule}, got ${String(value)}`);
  }
  return value;
}

const checkLr = (value: unknown): number =>
  checkNumber('learning rate', value, (x) => Number.isFinite(x) && x >= 0, 'a finite number >= 0');
const checkBeta = (what: string, value: unknown): number =>
  checkNumber(what, value, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
const checkDecay = (value: unknown): number =>
  checkNumber('weightDecay', value, (x) => Number.isFinite(x) && x >= 0, 'a finite number >= 0');

function checkHyper(raw: { betas?: unknown; weightDecay?: unknown }): Hyper {
  const betas = raw.betas ?? [0.9, 0.99];
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new RangeError(`Lion: betas must be a pair [beta1, beta2], got ${String(betas)}`);
  }
  return {
    beta1: checkBeta('betas[0] (beta1)', betas[0]),
    beta2: checkBeta('betas[1] (beta2)', betas[1]),
    weightDecay: checkDecay(raw.weightDecay ?? 0),
  };
}

function describe(p: Parameter, i: number): string {
  return `parameter ${JSON.stringify(p.name)} (#${i})`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function checkParameter(p: Parameter, i: number): void {
  if (p.grad.dtype !== p.value.dtype || !sameShape(p.grad.shape, p.value.shape)) {
    throw new RangeError(
      `Lion: ${describe(p, i)} has a ${p.grad.dtype} gradient of shape [${p.grad.shape.join(',')}] but a ${p.value.dtype} value of shape [${p.value.shape.join(',')}]`,
    );
  }
}

/**
 * Lion, "EvoLved Sign Momentum" (Chen et al. 2023, "Symbolic Discovery of Optimization
 * Algorithms"). Per step, for each parameter θ with gradient g and momentum m (starting at 0):
 *
 *     c ← β1·m + (1 − β1)·g
 *     θ ← θ − lr·(sign(c) + λ·θ)
 *     m ← β2·m + (1 − β2)·g
 *
 * Written against the `Optimizer` contract of `@nabla/tensor` only: no base class, no other
 * dependency. The momentum buffers are allocated once, in each parameter's dtype.
 */
export class Lion implements Optimizer {
  readonly parameters: readonly Parameter[];
  private rate: number;
  private hyper: Hyper;
  private steps = 0;
  private readonly momentum: FloatArray[];

  constructor(parameters: readonly Parameter[], options: LionOptions = {}) {
    if (!Array.isArray(parameters) || parameters.length === 0) {
      throw new RangeError('Lion: expected a non-empty array of parameters');
    }
    for (const key of Object.keys(options)) {
      if (!['lr', 'betas', 'weightDecay'].includes(key)) {
        throw new TypeError(
          `Lion: unknown option ${JSON.stringify(key)} (known: lr, betas, weightDecay)`,
        );
      }
    }
    parameters.forEach(checkParameter);
    this.parameters = Object.freeze(parameters.slice());
    this.rate = checkLr(options.lr ?? 1e-4);
    this.hyper = checkHyper(options);
    this.momentum = parameters.map((p) =>
      p.value.dtype === 'float32' ? new Float32Array(p.value.size) : new Float64Array(p.value.size),
    );
  }

  get lr(): number {
    return this.rate;
  }

  set lr(value: number) {
    this.rate = checkLr(value);
  }

  step(): void {
    const params = this.parameters;
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as Parameter;
      checkParameter(p, i);
      if (p.value.data.length !== (this.momentum[i] as FloatArray).length) {
        throw new RangeError(
          `Lion: ${describe(p, i)} changed size since the optimizer was created`,
        );
      }
    }
    const { beta1, beta2, weightDecay } = this.hyper;
    const lr = this.rate;
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as Parameter;
      const theta = p.value.data;
      const g = p.grad.data;
      const m = this.momentum[i] as FloatArray;
      for (let j = 0; j < theta.length; j++) {
        const gj = g[j] as number;
        const mj = m[j] as number;
        const c = beta1 * mj + (1 - beta1) * gj;
        const t = theta[j] as number;
        theta[j] = t - lr * (Math.sign(c) + weightDecay * t);
        m[j] = beta2 * mj + (1 - beta2) * gj;
      }
    }
    this.steps += 1;
  }

  stateDict(): StateDict {
    return {
      optimizer: 'Lion',
      lr: this.rate,
      step: this.steps,
      betas: [this.hyper.beta1, this.hyper.beta2],
      weightDecay: this.hyper.weightDecay,
      momentum: this.parameters.map(
        (p, i): StateValue => ({ name: p.name, value: (this.momentum[i] as FloatArray).slice() }),
      ),
    };
  }

  /** Restores lr, step count, hyperparameters and momentum; checks it all before changing anything. */
  loadStateDict(state: StateDict): void {
    if (state.optimizer !== 'Lion') {
      throw new TypeError(
        `Lion.loadStateDict: the state is for ${JSON.stringify(state.optimizer)}, not "Lion"`,
      );
    }
    const lr = checkLr(state.lr);
    const hyper = checkHyper({ betas: state.betas, weightDecay: state.weightDecay });
    const steps = state.step;
    if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) {
      throw new RangeError(
        `Lion.loadStateDict: step must be an integer >= 0, got ${String(steps)}`,
      );
    }
    const entries = state.momentum;
    if (!Array.isArray(entries) || entries.length !== this.parameters.length) {
      throw new RangeError(
        `Lion.loadStateDict: expected momentum for ${this.parameters.length} parameters`,
      );
    }
    const buffers = this.parameters.map((p, i) => {
      const entry = entries[i] as { name?: unknown; value?: unknown } | null;
      const value = entry?.value;
      if (entry?.name !== p.name) {
        throw new RangeError(
          `Lion.loadStateDict: momentum #${i} is for ${JSON.stringify(entry?.name)} but ${describe(p, i)} is next`,
        );
      }
      if (
        !(value instanceof Float32Array || value instanceof Float64Array) ||
        value.length !== p.value.size
      ) {
        throw new RangeError(
          `Lion.loadStateDict: the momentum of ${describe(p, i)} must be a float array of ${p.value.size} elements`,
        );
      }
      return value;
    });
    this.rate = lr;
    this.hyper = hyper;
    this.steps = steps;
    buffers.forEach((b, i) => {
      (this.momentum[i] as FloatArray).set(b);
    });
  }
}
