/**
 * The image-folder input: the `data` table names one PNG per row (plan.data.images.fileColumn), the files
 * live under plan.data.images.folder. Images become one n × C × H × W Float64Array in [0, 1], rows in the
 * data table's `__i` order, which is what image models take (see src/models/types.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Plan } from '../config/schema.js';
import { AssayError } from '../errors.js';
import { type DataSession, ident } from './session.js';

export interface ImageTensor {
  n: number;
  /** [channels, height, width] */
  shape: [number, number, number];
  /** n × C × H × W values in [0, 1], rows in `__i` order. */
  pixels: Float64Array;
}

/** One decoded PNG: channel-planar (C × H × W) values in [0, 1]. */
export interface DecodedImage {
  channels: 1 | 3;
  height: number;
  width: number;
  pixels: Float64Array;
}

/** Decodes a PNG (grey, grey+alpha, RGB, RGBA, palette; alpha is ignored) to planar [0, 1] values. */
export function decodePng(buf: Buffer): DecodedImage {
  const png = PNG.sync.read(buf);
  const { width, height, data } = png;
  // pngjs always expands to 8-bit RGBA; `color` is false for greyscale sources.
  const grey = !png.color;
  const channels = grey ? 1 : 3;
  const hw = width * height;
  const pixels = new Float64Array(channels * hw);
  for (let p = 0; p < hw; p++) {
    for (let c = 0; c < channels; c++) pixels[c * hw + p] = data[p * 4 + c] / 255;
  }
  return { channels, height, width, pixels };
}

/** Converts planar pixels to `channels` channels: RGB → grey with ITU-R 601 luma (as Pillow's convert('L')), grey → RGB by copying. */
export function convertChannels(img: DecodedImage, channels: number): Float64Array {
  if (img.channels === channels) return img.pixels;
  const hw = img.height * img.width;
  const out = new Float64Array(channels * hw);
  if (channels === 1) {
    for (let p = 0; p < hw; p++) {
      out[p] = (299 * img.pixels[p] + 587 * img.pixels[hw + p] + 114 * img.pixels[2 * hw + p]) / 1000;
    }
  } else {
    for (let c = 0; c < channels; c++) out.set(img.pixels.subarray(0, hw), c * hw);
  }
  return out;
}

/**
 * Encodes planar [0, 1] pixels (C × H × W, C = 1 or 3) as an 8-bit PNG (grey or RGB). Values are clipped to
 * [0, 1] and rounded to the nearest 8-bit level.
 */
export function encodePng(pixels: Float64Array, shape: readonly [number, number, number]): Buffer {
  const [channels, height, width] = shape;
  if (channels !== 1 && channels !== 3) throw new Error(`encodePng: expected 1 or 3 channels, got ${channels}`);
  const hw = height * width;
  if (pixels.length !== channels * hw) throw new Error(`encodePng: ${pixels.length} values for shape ${shape}`);
  const png = new PNG({ width, height });
  for (let p = 0; p < hw; p++) {
    for (let k = 0; k < 3; k++) {
      const v = pixels[(channels === 1 ? 0 : k) * hw + p];
      png.data[p * 4 + k] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
}

/**
 * Reads every image named in the `data` table into one tensor. The expected shape comes from the model spec
 * (`model.image.shape`) when given, else from the first image; every other image must match it.
 */
export async function loadImageTensor(db: DataSession, plan: Plan, baseDir: string): Promise<ImageTensor> {
  const spec = plan.data.images;
  if (!spec) {
    throw new AssayError('CONFIG_INVALID', 'this test needs an image dataset: set data.images.folder', {
      configPath: 'data.images',
    });
  }
  const col = spec.fileColumn;
  const names = await db.columnNames('SELECT * FROM data');
  if (!names.includes(col)) {
    throw new AssayError('COLUMN_MISSING', `the data has no column "${col}" naming the image files`, {
      column: col,
      configPath: 'data.images.fileColumn',
    });
  }
  const rows = await db.rows(`SELECT CAST(${ident(col)} AS VARCHAR), __i FROM data ORDER BY __i`);
  const folder = path.resolve(baseDir, spec.folder);
  const declared = plan.model.type === 'onnx' ? plan.model.image?.shape : undefined;
  let shape: [number, number, number] | undefined = declared ? [...declared] : undefined;
  let pixels = new Float64Array(0);
  for (const [name, i] of rows) {
    const row = Number(i);
    const file = path.join(folder, String(name ?? ''));
    if (name === null || name === '') {
      throw new AssayError('IMAGE_INVALID', `row ${row} names no image file in column "${col}"`, { row, column: col });
    }
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch {
      throw new AssayError('FILE_NOT_FOUND', `image file ${file} (row ${row}, column "${col}") does not exist`, {
        file,
        row,
        column: col,
      });
    }
    let img: DecodedImage;
    try {
      img = decodePng(buf);
    } catch (e) {
      throw new AssayError(
        'IMAGE_INVALID',
        `image file ${file} (row ${row}) is not a decodable PNG: ${e instanceof Error ? e.message : String(e)}`,
        { file, row, column: col },
      );
    }
    if (!shape) {
      shape = [img.channels, img.height, img.width];
    }
    if (img.height !== shape[1] || img.width !== shape[2]) {
      throw new AssayError(
        'IMAGE_INVALID',
        `image file ${file} (row ${row}) is ${img.width}×${img.height}; expected ${shape[2]}×${shape[1]}` +
          (declared ? ' (model.image.shape)' : ' (the size of the first image)'),
        { file, row, column: col },
      );
    }
    if (shape[0] !== 1 && shape[0] !== 3) {
      throw new AssayError('IMAGE_INVALID', `images must have 1 or 3 channels; model.image.shape says ${shape[0]}`, {
        configPath: 'model.image.shape',
      });
    }
    const size = shape[0] * shape[1] * shape[2];
    if (pixels.length === 0) pixels = new Float64Array(rows.length * size);
    pixels.set(convertChannels(img, shape[0]), row * size);
  }
  if (!shape || rows.length === 0) {
    throw new AssayError('DATA_EMPTY', 'the data table names no images', { configPath: 'data.images' });
  }
  return { n: rows.length, shape, pixels };
}
