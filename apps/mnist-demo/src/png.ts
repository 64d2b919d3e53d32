import { prepareDigit } from '@nabla/data';
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
 * Turns a PNG into a 28 × 28 MNIST-style input: grey levels (alpha over black), then MNIST's own
 * preparation (`prepareDigit` of @nabla/data, shared with the web app): a light background is
 * inverted, the ink's bounding box is fitted into 20 × 20 and its centre of mass put at the centre.
 */
export function pngToDigit(bytes: Uint8Array, source = 'image'): DigitImage {
  const { grey, width, height } = greyLevels(bytes, source);
  const { pixels, inverted } = prepareDigit(
    { width, height, data: grey, channels: 1 },
    { maxValue: 1 },
  );
  return { pixels, width, height, inverted };
}
