import { convertIndexedToRgb, decode } from 'fast-png';

/** A PNG that cannot be turned into an MNIST input. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

export interface DigitImage {
  /** 28 × 28 = 784 pixels, row-major, 0 (background) … 1 (ink), like MNIST scaled to [0, 1]. */
  pixels: Float32Array;
  /** The PNG's own size. */
  width: number;
  height: number;
  /** Whether the picture was dark-on-light and so was inverted to MNIST's light-on-dark. */
  inverted: boolean;
}

const SIDE = 28;

/** Grey levels 0…1 of a decoded PNG, alpha composited over black. */
function greyLevels(
  bytes: Uint8Array,
  source: string,
): { grey: Float32Array; width: number; height: number } {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new ImageError(
      `${source} is not a readable PNG: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const { width, height } = png;
  let data: ArrayLike<number> = png.data;
  let channels = png.channels;
  let max = 2 ** png.depth - 1;
  if (png.palette !== undefined) {
    data = convertIndexedToRgb(png);
    channels = data.length / (width * height);
    max = 255;
  }
  if (width === 0 || height === 0 || data.length !== width * height * channels) {
    throw new ImageError(
      `${source}: unsupported PNG layout (${width}×${height}, ${channels} channels, ${png.depth}-bit); use 8- or 16-bit grey, RGB or RGBA`,
    );
  }
  const grey = new Float32Array(width * height);
  const colour = channels >= 3;
  const alpha = channels === 2 || channels === 4;
  for (let i = 0; i < width * height; i++) {
    const o = i * channels;
    const v = colour
      ? (0.299 * (data[o] as number) +
          0.587 * (data[o + 1] as number) +
          0.114 * (data[o + 2] as number)) /
        max
      : (data[o] as number) / max;
    const a = alpha ? (data[o + channels - 1] as number) / max : 1;
    grey[i] = v * a;
  }
  return { grey, width, height };
}

/**
 * Turns a PNG into a 28 × 28 MNIST-style input: grey levels (alpha over black), resampled to
 * 28 × 28 by averaging the source pixels under each cell, and inverted when the background is
 * light (MNIST digits are light ink on a dark background).
 */
export function pngToDigit(bytes: Uint8Array, source = 'image'): DigitImage {
  const { grey, width, height } = greyLevels(bytes, source);
  const pixels = new Float32Array(SIDE * SIDE);
  for (let r = 0; r < SIDE; r++) {
    const y0 = Math.floor((r * height) / SIDE);
    const y1 = Math.max(y0 + 1, Math.floor(((r + 1) * height) / SIDE));
    for (let c = 0; c < SIDE; c++) {
      const x0 = Math.floor((c * width) / SIDE);
      const x1 = Math.max(x0 + 1, Math.floor(((c + 1) * width) / SIDE));
      let sum = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) sum += grey[y * width + x] as number;
      pixels[r * SIDE + c] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  let mean = 0;
  for (const v of pixels) mean += v;
  mean /= pixels.length;
  const inverted = mean > 0.5;
  if (inverted) for (let i = 0; i < pixels.length; i++) pixels[i] = 1 - (pixels[i] as number);
  return { pixels, width, height, inverted };
}
