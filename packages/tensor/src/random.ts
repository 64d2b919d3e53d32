import { allocate, type FloatDType } from './dtype.js';
import { formatShape, type Shape, ShapeError, validateShape } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A seeded random generator. Every random function in Nabla takes one explicitly: there is no
 * global seed and no `Math.random`. Implement this interface to plug in your own generator.
 */
export interface Rng {
  /** A uniform float in [0, 1). */
  next(): number;
  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** The generator's state as plain numbers, to save and restore with `setState`. */
  getState(): number[];
  setState(state: readonly number[]): void;
}

/** xoshiro128** (Blackman & Vigna), seeded through splitmix32: fast, 2^128 − 1 period. */
class Xoshiro128 implements Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    let x = seed >>> 0;
    const split = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = split();
    this.s1 = split();
    this.s2 = split();
    this.s3 = split();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new RangeError(
        `rng.setState: expected 4 unsigned 32-bit integers, got ${JSON.stringify(state)}`,
      );
    }
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v | 0) as [
      number,
      number,
      number,
      number,
    ];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A new seeded generator. The same seed gives the same sequence on every platform. */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed))
    throw new TypeError(`createRng: seed must be an integer, got ${seed}`);
  return new Xoshiro128(seed);
}

/** A uniform integer in [0, n), without modulo bias. */
export function randomInt(rng: Rng, n: number): number {
  if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
    throw new RangeError(`randomInt: n must be an integer in [1, 2^32], got ${n}`);
  }
  const limit = 0x100000000 - (0x100000000 % n);
  for (;;) {
    const x = rng.nextUint32();
    if (x < limit) return x % n;
  }
}

/** A standard normal sample (Box–Muller). */
export function randomNormal(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(rng: Rng, n: number, out: Int32Array = new Int32Array(n)): Int32Array {
  if (out.length !== n)
    throw new RangeError(`permutation: out has ${out.length} elements, expected ${n}`);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}

/** Options of the random initialisers: the dtype of the result (default float32). */
export interface RandomOptions<D extends FloatDType> {
  dtype?: D | undefined;
}

/** Uniform samples in [low, high). */
export function uniform<D extends FloatDType = 'float32'>(
  rng: Rng,
  shape: Shape,
  low = 0,
  high = 1,
  options: RandomOptions<D> = {},
): Tensor<D> {
  if (!(high > low)) throw new RangeError(`uniform: need low < high, got [${low}, ${high})`);
  const dtype = (options.dtype ?? 'float32') as D;
  const data = allocate(dtype, validateShape(shape, 'uniform'));
  const span = high - low;
  for (let i = 0; i < data.length; i++) data[i] = low + span * rng.next();
  return new Tensor(dtype, data, shape);
}

/** Normal samples with the given mean and standard deviation. */
export function normal<D extends FloatDType = 'float32'>(
  rng: Rng,
  shape: Shape,
  mean = 0,
  std = 1,
  options: RandomOptions<D> = {},
): Tensor<D> {
  if (!(std >= 0)) throw new RangeError(`normal: std must be >= 0, got ${std}`);
  const dtype = (options.dtype ?? 'float32') as D;
  const data = allocate(dtype, validateShape(shape, 'normal'));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * randomNormal(rng);
  return new Tensor(dtype, data, shape);
}

function fans(shape: Shape, op: string): [number, number] {
  if (shape.length !== 2) {
    throw new ShapeError(
      `${op}: expected a 2-D weight shape [fanIn, fanOut], got ${formatShape(shape)}`,
    );
  }
  return [shape[0] as number, shape[1] as number];
}

/** Glorot/Xavier uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)), for shape [fanIn, fanOut]. */
export function glorotUniform<D extends FloatDType = 'float32'>(
  rng: Rng,
  shape: Shape,
  options: RandomOptions<D> = {},
): Tensor<D> {
  const [fi, fo] = fans(shape, 'glorotUniform');
  const a = Math.sqrt(6 / (fi + fo));
  return uniform(rng, shape, -a, a, options);
}

/** Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)). */
export function glorotNormal<D extends FloatDType = 'float32'>(
  rng: Rng,
  shape: Shape,
  options: RandomOptions<D> = {},
): Tensor<D> {
  const [fi, fo] = fans(shape, 'glorotNormal');
  return normal(rng, shape, 0, Math.sqrt(2 / (fi + fo)), options);
}

/** He/Kaiming normal: N(0, 2 / fanIn), the usual choice before a ReLU. */
export function heNormal<D extends FloatDType = 'float32'>(
  rng: Rng,
  shape: Shape,
  options: RandomOptions<D> = {},
): Tensor<D> {
  const [fi] = fans(shape, 'heNormal');
  return normal(rng, shape, 0, Math.sqrt(2 / fi), options);
}

/** He/Kaiming uniform: U(−a, a) with a = √(6 / fanIn). */
export function heUniform<D extends FloatDType = 'float32'>(
  rng: Rng,
  shape: Shape,
  options: RandomOptions<D> = {},
): Tensor<D> {
  const [fi] = fans(shape, 'heUniform');
  const a = Math.sqrt(6 / fi);
  return uniform(rng, shape, -a, a, options);
}
