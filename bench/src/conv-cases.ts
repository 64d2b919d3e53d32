/** One convolution of the demo CNN: NCHW input [n, c, h, w], f filters of k×k, stride 1, no padding. */
export interface ConvLayerShape {
  readonly name: string;
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly f: number;
  readonly k: number;
}

/** What one call computes: the forward pass, or the forward pass and the whole backward. */
export type ConvPass = 'forward' | 'forward+backward';

/** One case of the conv bench: a layer shape and a pass. */
export interface ConvCase {
  readonly bench: string;
  readonly label: string;
  readonly layer: ConvLayerShape;
  readonly pass: ConvPass;
  /** Speed-up over TFJS-wasm that issue 15 asks for (forward+backward only). */
  readonly target?: number;
}

/**
 * The two convolutions of the demo's CNN (Conv(1→32, 5)-BN-Pool-ReLU → Conv(32→64, 5)-BN-Pool-ReLU
 * → Linear → 10 on 28×28 MNIST) at a training batch of 128.
 */
export const CNN_CONV_LAYERS: readonly ConvLayerShape[] = [
  { name: 'conv1', n: 128, c: 1, h: 28, w: 28, f: 32, k: 5 },
  { name: 'conv2', n: 128, c: 32, h: 12, w: 12, f: 64, k: 5 },
];

/** Output height and width (stride 1, no padding). */
export const outSize = (l: ConvLayerShape): [number, number] => [l.h - l.k + 1, l.w - l.k + 1];

/** Multiply-adds ×2 of one forward pass: 2·n·f·oh·ow·c·k². */
export function forwardFlops(l: ConvLayerShape): number {
  const [oh, ow] = outSize(l);
  return 2 * l.n * l.f * oh * ow * l.c * l.k * l.k;
}

/**
 * FLOPs of one call: the forward product, plus for forward+backward the two products of the
 * backward pass (∇W and ∇x, each as large as the forward one); bias sums are not counted.
 */
export function convFlops(c: Pick<ConvCase, 'layer' | 'pass'>): number {
  return forwardFlops(c.layer) * (c.pass === 'forward' ? 1 : 3);
}

/** GFLOP/s of one call taking `seconds`. */
export const convGflops = (c: Pick<ConvCase, 'layer' | 'pass'>, seconds: number): number =>
  convFlops(c) / seconds / 1e9;

/** `n×c×h×w ⊛ f×c×k×k`, e.g. `128×32×12×12 ⊛ 64×32×5×5`. */
export function describeLayer(l: ConvLayerShape): string {
  return `${l.n}×${l.c}×${l.h}×${l.w} ⊛ ${l.f}×${l.c}×${l.k}×${l.k}`;
}

/** Every layer, forward then forward+backward; the target applies to forward+backward. */
export const CONV_CASES: readonly ConvCase[] = CNN_CONV_LAYERS.flatMap((layer) => [
  {
    bench: `conv-${layer.name}-forward`,
    label: `${layer.name} ${describeLayer(layer)} forward`,
    layer,
    pass: 'forward' as const,
  },
  {
    bench: `conv-${layer.name}-forward-backward`,
    label: `${layer.name} ${describeLayer(layer)} fwd+bwd`,
    layer,
    pass: 'forward+backward' as const,
    target: 2,
  },
]);

/** Seeded input, filters and output gradient in [-1, 1) as flat NCHW / [f, c, k, k] arrays. */
export function convOperands(l: ConvLayerShape): {
  x: Float32Array;
  w: Float32Array;
  g: Float32Array;
} {
  const [oh, ow] = outSize(l);
  // A small LCG (the values do not matter for the speed, only that they are finite and mixed).
  let s = (l.n * 1_000_003 + l.c * 1009 + l.f) >>> 0;
  const fill = (a: Float32Array): Float32Array => {
    for (let i = 0; i < a.length; i++) {
      s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
      a[i] = (s / 2 ** 32) * 2 - 1;
    }
    return a;
  };
  return {
    x: fill(new Float32Array(l.n * l.c * l.h * l.w)),
    w: fill(new Float32Array(l.f * l.c * l.k * l.k)),
    g: fill(new Float32Array(l.n * l.f * oh * ow)),
  };
}
