import * as zlib from 'node:zlib';
import { prepareDigit } from '@nabla/data';
import { PNG } from 'pngjs';

/** node:zlib's crc32 (Node ≥ 20.15); without it pngjs's own check still refuses a bad CRC. */
const crc32: ((data: Uint8Array) => number) | undefined = (
  zlib as { crc32?: (data: Uint8Array) => number }
).crc32;

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

/**
 * The largest image decoded: 4096 × 4096 pixels (64 MB as 8-bit RGBA). The size a PNG declares
 * is checked before any pixel data is inflated, so a small file declaring 30000 × 30000 (a
 * decompression bomb) is refused at once instead of exhausting memory.
 */
export const MAX_PNG_PIXELS = 4096 * 4096;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bit depths allowed for each colour type (PNG spec, table 11.1). */
const DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
}

/**
 * Reads the IHDR and walks the chunk list (lengths and types only) before anything is decoded:
 * the declared size must be within {@link MAX_PNG_PIXELS}, the depth must fit the colour type,
 * and a palette image must carry its palette before the image data.
 */
function inspect(bytes: Uint8Array, source: string): Header {
  const fail = (why: string): never => {
    throw new ImageError(`${source} is not a readable PNG: ${why}`);
  };
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    fail('it does not start with the PNG signature');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number): string =>
    String.fromCharCode(...bytes.subarray(at + 4, at + 8).values());
  if (view.getUint32(8) !== 13 || type(8) !== 'IHDR') fail('the first chunk is not a 13-byte IHDR');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24] as number;
  const colorType = bytes[25] as number;
  if (width === 0 || height === 0) fail(`it declares an empty image (${width}×${height})`);
  if (width * height > MAX_PNG_PIXELS) {
    throw new ImageError(
      `${source}: the PNG declares ${width}×${height} pixels, over the limit of ${MAX_PNG_PIXELS} (4096×4096); scale it down first`,
    );
  }
  if (!(DEPTHS[colorType] ?? []).includes(depth)) {
    fail(`colour type ${colorType} with bit depth ${depth} is not a valid PNG combination`);
  }
  let palette = false;
  let data = false;
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const name = type(at);
    if (at + 12 + length > bytes.length) {
      fail(`chunk ${JSON.stringify(name)} at byte ${at} runs past the end of the file`);
    }
    const stored = view.getUint32(at + 8 + length);
    if (crc32 !== undefined && crc32(bytes.subarray(at + 4, at + 8 + length)) !== stored) {
      fail(`chunk ${JSON.stringify(name)} at byte ${at} has a wrong CRC (the file is damaged)`);
    }
    if (name === 'PLTE') palette = true;
    if (name === 'IDAT' && !data) {
      data = true;
      if (colorType === 3 && !palette) fail('a palette image (colour type 3) without a PLTE chunk');
    }
    if (name === 'IEND') break;
    at += 12 + length;
  }
  return { width, height, depth, colorType };
}

/** Grey levels 0…1 of a decoded PNG, alpha composited over black. */
export function greyLevels(
  bytes: Uint8Array,
  source: string,
): { grey: Float32Array; width: number; height: number } {
  const header = inspect(bytes, source);
  let png: PNG;
  try {
    // pngjs checks every chunk's CRC, handles every depth and colour type, interlaced or not, and
    // gives 8-bit RGBA.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new ImageError(
      `${source} is not a readable PNG: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const { width, height, data } = png;
  if (width !== header.width || height !== header.height || data.length !== width * height * 4) {
    throw new ImageError(
      `${source} is not a readable PNG: decoded ${data.length} bytes for ${width}×${height} pixels`,
    );
  }
  const colour = header.colorType === 2 || header.colorType === 3 || header.colorType === 6;
  const grey = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const o = i * 4;
    const v = colour
      ? (0.299 * (data[o] as number) +
          0.587 * (data[o + 1] as number) +
          0.114 * (data[o + 2] as number)) /
        255
      : (data[o] as number) / 255;
    grey[i] = (v * (data[o + 3] as number)) / 255;
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
