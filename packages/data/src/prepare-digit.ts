/**
 * Turning any picture of a digit into an MNIST input, the way the MNIST digits themselves were
 * made: the ink's bounding box is scaled to fit a 20 × 20 box (keeping its aspect ratio, with
 * area averaging, so edges are anti-aliased), then placed in a 28 × 28 image so that its centre
 * of mass sits at the centre. Works on raw pixels only (no DOM, no Node API), so a browser canvas
 * (`ImageData`) and a decoded PNG go through the same code.
 */

/** Pixels of a picture: row-major, `channels` values per pixel. `ImageData` fits as it is. */
export interface DigitSource {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
  /**
   * 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. Default: `data.length / (width · height)`.
   */
  readonly channels?: number | undefined;
}

/** Options of `prepareDigit`. */
export interface PrepareDigitOptions {
  /** The value of full intensity in `data` (255 for 8-bit pixels, 65535 for 16-bit, 1 for floats). Default 255. */
  readonly maxValue?: number | undefined;
  /**
   * Fraction of the contrast between background and ink below which a pixel counts as background
   * (removes paper texture, JPEG noise, a faint grid). Default 0.15.
   */
  readonly threshold?: number | undefined;
}

/** What `prepareDigit` returns: the 28 × 28 input and how the picture was read. */
export interface PreparedDigit {
  /** 28 × 28 = 784 values in [0, 1], row-major: 0 background, 1 ink (MNIST's polarity). */
  readonly pixels: Float32Array;
  /** True when the picture was dark ink on a light background and was inverted. */
  readonly inverted: boolean;
  /** The ink's bounding box in the source picture, or null when the picture holds no ink. */
  readonly box: { x: number; y: number; width: number; height: number } | null;
}

/** Side of an MNIST image, of the box the digit is fitted into, and the centre. */
export const MNIST_SIDE = 28;
const FIT = 20;
/**
 * Where MNIST puts the centre of mass: pixel (14, 14) counting pixel i as the interval [i, i + 1)
 * (the mean over the test set is 14.50, 14.49 in that measure), i.e. index 14 of 0…27.
 */
const CENTRE = MNIST_SIDE / 2 + 0.5;
/** Below this contrast (in [0, 1]) between background and the brightest ink, the picture is blank. */
const MIN_CONTRAST = 0.05;

function checkSource(image: DigitSource, maxValue: number, threshold: number): number {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(
      `prepareDigit: width and height must be positive integers, got ${width}×${height}`,
    );
  }
  const channels = image.channels ?? data.length / (width * height);
  if (!(channels === 1 || channels === 2 || channels === 3 || channels === 4)) {
    throw new RangeError(
      image.channels === undefined
        ? `prepareDigit: ${data.length} values do not make ${width}×${height} pixels of 1–4 channels`
        : `prepareDigit: channels must be 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA), got ${channels}`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `prepareDigit: ${width}×${height} pixels of ${channels} channels need ${width * height * channels} values, got ${data.length}`,
    );
  }
  if (!(Number.isFinite(maxValue) && maxValue > 0)) {
    throw new RangeError(`prepareDigit: maxValue must be a positive number, got ${maxValue}`);
  }
  if (!(threshold >= 0 && threshold < 1)) {
    throw new RangeError(`prepareDigit: threshold must be in [0, 1), got ${threshold}`);
  }
  return channels;
}

/**
 * Grey level 0…1 of each pixel (luma for colour). Transparent pixels are composited over the
 * colour opposite to the ink's, so dark strokes on a transparent canvas and light strokes on one
 * both keep their ink.
 */
function greyLevels(image: DigitSource, channels: number, maxValue: number): Float32Array {
  const { data } = image;
  const n = image.width * image.height;
  const grey = new Float32Array(n);
  const colour = channels >= 3;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    grey[i] = colour
      ? (0.299 * (data[o] as number) +
          0.587 * (data[o + 1] as number) +
          0.114 * (data[o + 2] as number)) /
        maxValue
      : (data[o] as number) / maxValue;
  }
  if (channels === 2 || channels === 4) {
    const alpha = new Float32Array(n);
    let weight = 0;
    let inkSum = 0;
    let transparent = false;
    for (let i = 0; i < n; i++) {
      const a = Math.min(1, Math.max(0, (data[i * channels + channels - 1] as number) / maxValue));
      alpha[i] = a;
      if (a < 1) transparent = true;
      weight += a;
      inkSum += a * (grey[i] as number);
    }
    if (transparent) {
      // The colour of what is drawn decides what it is drawn on.
      const under = weight > 0 && inkSum / weight < 0.5 ? 1 : 0;
      for (let i = 0; i < n; i++) {
        const a = alpha[i] as number;
        grey[i] = (grey[i] as number) * a + under * (1 - a);
      }
    }
  }
  return grey;
}

/** Median of the pixels on the picture's outer ring: the background level. */
function borderMedian(grey: Float32Array, width: number, height: number): number {
  const ring: number[] = [];
  for (let x = 0; x < width; x++) {
    ring.push(grey[x] as number);
    if (height > 1) ring.push(grey[(height - 1) * width + x] as number);
  }
  for (let y = 1; y < height - 1; y++) {
    ring.push(grey[y * width] as number);
    if (width > 1) ring.push(grey[y * width + width - 1] as number);
  }
  ring.sort((a, b) => a - b);
  return ring[ring.length >> 1] as number;
}

/**
 * Weights of an area-averaging resample of `length` source pixels starting at `start` onto
 * `out` pixels: for output i, the pairs (source index, share of output i it covers).
 */
function areaWeights(start: number, length: number, out: number): Array<Array<[number, number]>> {
  const step = length / out;
  const weights: Array<Array<[number, number]>> = [];
  for (let i = 0; i < out; i++) {
    const lo = i * step;
    const hi = (i + 1) * step;
    const row: Array<[number, number]> = [];
    for (let s = Math.floor(lo); s < Math.min(length, Math.ceil(hi)); s++) {
      const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
      if (overlap > 0) row.push([start + s, overlap / step]);
    }
    weights.push(row);
  }
  return weights;
}

/**
 * Prepares a picture of one digit the way MNIST's digits were prepared, whatever its size, colour type
 * (grey, grey + alpha, RGB, RGBA) and polarity in; 784 values in [0, 1], light ink on black, the
 * ink fitted into 20 × 20 (aspect ratio kept) and its centre of mass at pixel (14, 14) of 28 × 28 as in MNIST.
 *
 * Steps: grey levels (luma; transparency composited under the ink's opposite colour); the median
 * of the border is the background, and a light background is inverted; intensities are rescaled
 * so background → 0 and the brightest ink → 1, and what is below `threshold` of that range is
 * background; the bounding box of the rest is area-resampled so its longer side is 20 pixels; it
 * is placed so its centre of mass is on pixel (14, 14) (shifted back inside when that would cut ink).
 * A picture without ink gives 784 zeros and `box: null`.
 */
export function prepareDigit(image: DigitSource, options: PrepareDigitOptions = {}): PreparedDigit {
  const maxValue = options.maxValue ?? 255;
  const threshold = options.threshold ?? 0.15;
  const channels = checkSource(image, maxValue, threshold);
  const { width, height } = image;
  const pixels = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  const grey = greyLevels(image, channels, maxValue);

  let background = borderMedian(grey, width, height);
  const inverted = background > 0.5;
  if (inverted) {
    for (let i = 0; i < grey.length; i++) grey[i] = 1 - (grey[i] as number);
    background = 1 - background;
  }
  let ink = background;
  for (const v of grey) if (v > ink) ink = v;
  if (ink - background < MIN_CONTRAST) return { pixels, inverted, box: null };

  // Background → 0, brightest ink → 1, and the lowest `threshold` of the range cut off.
  const low = background + threshold * (ink - background);
  const range = ink - low;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = ((grey[i] as number) - low) / range;
      if (v > 0) {
        grey[i] = Math.min(1, v);
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      } else {
        grey[i] = 0;
      }
    }
  }
  if (x1 < 0) return { pixels, inverted, box: null };
  const boxW = x1 - x0 + 1;
  const boxH = y1 - y0 + 1;

  // Fit the box into 20 × 20, the longer side exactly 20.
  const scale = FIT / Math.max(boxW, boxH);
  const outW = Math.max(1, Math.min(FIT, Math.round(boxW * scale)));
  const outH = Math.max(1, Math.min(FIT, Math.round(boxH * scale)));
  const columns = areaWeights(x0, boxW, outW);
  const rows = areaWeights(y0, boxH, outH);
  // Horizontal pass over the box's rows, then vertical.
  const wide = new Float32Array(boxH * outW);
  for (let y = 0; y < boxH; y++) {
    const base = (y0 + y) * width;
    for (let c = 0; c < outW; c++) {
      let sum = 0;
      for (const [x, w] of columns[c] as Array<[number, number]>)
        sum += (grey[base + x] as number) * w;
      wide[y * outW + c] = sum;
    }
  }
  const fitted = new Float32Array(outH * outW);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let r = 0; r < outH; r++) {
    for (let c = 0; c < outW; c++) {
      let sum = 0;
      for (const [y, w] of rows[r] as Array<[number, number]>)
        sum += (wide[(y - y0) * outW + c] as number) * w;
      const v = Math.min(1, sum);
      fitted[r * outW + c] = v;
      mass += v;
      mx += v * (c + 0.5);
      my += v * (r + 0.5);
    }
  }

  // Centre of mass to the centre, by whole pixels, never pushing ink out of the image.
  const clamp = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));
  const left = clamp(Math.round(CENTRE - mx / mass), MNIST_SIDE - outW);
  const top = clamp(Math.round(CENTRE - my / mass), MNIST_SIDE - outH);
  for (let r = 0; r < outH; r++) {
    pixels.set(fitted.subarray(r * outW, (r + 1) * outW), (top + r) * MNIST_SIDE + left);
  }
  return { pixels, inverted, box: { x: x0, y: y0, width: boxW, height: boxH } };
}
