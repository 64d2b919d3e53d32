import type { FloatArray, Parameter, StateDict, StateValue } from '@nabla/tensor';
import { formatShape, ShapeError, shapesEqual } from '@nabla/tensor';

/**
 * Argument checks shared by the optimizers and schedulers. Every error names the owner
 * (`Adam`, `StepLR`, ...), the argument and the value it got, so bad input fails where it enters.
 */

function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return Object.prototype.toString.call(value);
}

/** A learning rate: a finite number ≥ 0 (NaN, negative and infinite rates are rejected). */
export function checkLr(owner: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `${owner}: learning rate must be a finite number >= 0, got ${show(value)}`,
    );
  }
  return value;
}

/** A finite number ≥ 0. */
export function checkNonNegative(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${owner}: ${name} must be a finite number >= 0, got ${show(value)}`);
  }
  return value;
}

/** A finite number in the half-open interval [0, 1). */
export function checkUnitInterval(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new RangeError(`${owner}: ${name} must be a number in [0, 1), got ${show(value)}`);
  }
  return value;
}

/** A finite number in the closed interval [min, max]. */
export function checkInRange(
  owner: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(
      `${owner}: ${name} must be a number in [${min}, ${max}], got ${show(value)}`,
    );
  }
  return value;
}

/** An integer ≥ `min`. */
export function checkInteger(owner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${owner}: ${name} must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

export function checkBoolean(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${owner}: ${name} must be true or false, got ${show(value)}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function checkChoice<T extends string>(
  owner: string,
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new RangeError(
      `${owner}: ${name} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${show(value)}`,
    );
  }
  return value as T;
}

/** `(β1, β2)`, each in [0, 1). */
export function checkBetas(owner: string, value: unknown): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new RangeError(`${owner}: betas must be a pair [beta1, beta2], got ${show(value)}`);
  }
  return [
    checkUnitInterval(owner, 'betas[0] (beta1)', value[0]),
    checkUnitInterval(owner, 'betas[1] (beta2)', value[1]),
  ];
}

/** A plain options object whose keys are all known (a typo is an error, not a silent default). */
export function checkOptions(
  owner: string,
  options: unknown,
  known: readonly string[],
): Readonly<Record<string, unknown>> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${owner}: options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `${owner}: unknown option ${JSON.stringify(key)} (known options: ${known.join(', ')})`,
      );
    }
  }
  return options as Readonly<Record<string, unknown>>;
}

function isFloatTensorLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as { dtype?: unknown; data?: unknown; shape?: unknown };
  return (
    (t.dtype === 'float32' && t.data instanceof Float32Array) ||
    (t.dtype === 'float64' && t.data instanceof Float64Array)
  );
}

function parameterLabel(p: Parameter, index: number): string {
  return `parameter ${JSON.stringify(p.name)} (#${index})`;
}

/** Value and gradient agree in dtype and shape; the error names the parameter. */
export function checkParameter(owner: string, p: Parameter, index: number): void {
  // Runs on every step: the message is built only on failure.
  if (p.grad.dtype !== p.value.dtype) {
    throw new TypeError(
      `${owner}: ${parameterLabel(p, index)} has a ${p.grad.dtype} gradient but a ${p.value.dtype} value`,
    );
  }
  if (!shapesEqual(p.grad.shape, p.value.shape) || p.grad.data.length !== p.value.data.length) {
    throw new ShapeError(
      `${owner}: ${parameterLabel(p, index)} has a gradient of shape ${formatShape(p.grad.shape)} but a value of shape ${formatShape(p.value.shape)}`,
    );
  }
}

/** A non-empty list of well-formed parameters, none listed twice. */
export function checkParameters(owner: string, parameters: unknown): readonly Parameter[] {
  if (!Array.isArray(parameters)) {
    throw new TypeError(
      `${owner}: parameters must be an array of Parameter, got ${show(parameters)}`,
    );
  }
  if (parameters.length === 0) {
    throw new RangeError(`${owner}: got an empty parameter list; there is nothing to optimize`);
  }
  const seen = new Set<unknown>();
  parameters.forEach((p: unknown, i) => {
    if (typeof p !== 'object' || p === null) {
      throw new TypeError(`${owner}: parameters[${i}] is ${show(p)}, not a Parameter`);
    }
    const candidate = p as { name?: unknown; value?: unknown; grad?: unknown };
    if (
      typeof candidate.name !== 'string' ||
      !isFloatTensorLike(candidate.value) ||
      !isFloatTensorLike(candidate.grad)
    ) {
      throw new TypeError(
        `${owner}: parameters[${i}] must be { name: string, value, grad } with float32 or float64 tensors`,
      );
    }
    const param = p as Parameter;
    checkParameter(owner, param, i);
    if (seen.has(param.value.data)) {
      throw new RangeError(
        `${owner}: parameter ${JSON.stringify(param.name)} (#${i}) shares its value with an earlier parameter; it would be updated twice`,
      );
    }
    seen.add(param.value.data);
  });
  return parameters as readonly Parameter[];
}

/** Reads `state[key]` as a plain object (a nested state dict). */
export function stateObject(owner: string, value: StateValue | undefined, what: string): StateDict {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    ArrayBuffer.isView(value)
  ) {
    throw new TypeError(`${owner}.loadStateDict: ${what} must be an object, got ${show(value)}`);
  }
  return value as StateDict;
}

/** Reads a float buffer of exactly `length` elements from a state dict. */
export function stateBuffer(
  owner: string,
  value: StateValue | undefined,
  what: string,
  length: number,
): FloatArray {
  if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new TypeError(
      `${owner}.loadStateDict: ${what} must be a Float32Array or Float64Array, got ${show(value)}`,
    );
  }
  if (value.length !== length) {
    throw new ShapeError(
      `${owner}.loadStateDict: ${what} has ${value.length} elements but the parameter has ${length}`,
    );
  }
  return value;
}
