import { createRng, type Tensor, uniform } from '@nabla/tensor';

/** One matrix product C[m,n] = op(A)·op(B) with inner dimension k. */
export interface MatmulCase {
  readonly bench: string;
  readonly label: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** Speed-up over TFJS-wasm that issue 2 asks for, if any. */
  readonly target?: number;
}

const cube = (s: number, target?: number): MatmulCase => ({
  bench: `matmul-${s}x${s}x${s}`,
  label: `${s}³`,
  m: s,
  n: s,
  k: s,
  transA: false,
  transB: false,
  ...(target === undefined ? {} : { target }),
});

/** The square sizes, then the three products of one training step of the seed network. */
export const MATMUL_CASES: readonly MatmulCase[] = [
  cube(64),
  cube(128),
  cube(256, 1.5),
  cube(512, 1.5),
  cube(1024, 1.5),
  {
    bench: 'matmul-step-xw',
    label: 'X·W 64×784·784×128',
    m: 64,
    n: 128,
    k: 784,
    transA: false,
    transB: false,
    target: 1,
  },
  {
    bench: 'matmul-step-xtg',
    label: 'Xᵀ·G (64×784)ᵀ·64×128',
    m: 784,
    n: 128,
    k: 64,
    transA: true,
    transB: false,
    target: 1,
  },
  {
    bench: 'matmul-step-gwt',
    label: 'G·Wᵀ 64×128·(784×128)ᵀ',
    m: 64,
    n: 784,
    k: 128,
    transA: false,
    transB: true,
    target: 1,
  },
];

/** Stored operand shapes: A is k×m when transposed, B is n×k when transposed. */
export function operandShapes(c: MatmulCase): [[number, number], [number, number]] {
  return [c.transA ? [c.k, c.m] : [c.m, c.k], c.transB ? [c.n, c.k] : [c.k, c.n]];
}

/** Seeded operands in [-1, 1) for one case. */
export function operands(c: MatmulCase): [Tensor<'float32'>, Tensor<'float32'>] {
  const rng = createRng(c.m * 1_000_003 + c.n * 1009 + c.k);
  const [sa, sb] = operandShapes(c);
  return [
    uniform(rng, sa, -1, 1, { dtype: 'float32' }),
    uniform(rng, sb, -1, 1, { dtype: 'float32' }),
  ];
}

/** GFLOP/s of one product taking `seconds`: 2mnk / time. */
export const gflops = (c: MatmulCase, seconds: number): number =>
  (2 * c.m * c.n * c.k) / seconds / 1e9;
