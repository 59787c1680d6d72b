/**
 * Image corruptions: the functions AI Verify's image-corruption toolbox offers (general noise, blur, digital,
 * environment; aiverify.stock.image_corruption_toolbox), each at 5 severities. Where ImageNet-C (Hendrycks &
 * Dietterich, ICLR 2019, github.com/hendrycks/robustness `ImageNet-C/create_c/make_imagenet_c.py` and its
 * CIFAR-10-C variant `make_cifar_c.py`) defines the corruption, we follow that definition; its parameters were
 * chosen for 224 px (or 32 px) images, so for small images we take the CIFAR-10-C values, rescaled where the
 * parameter is a length in pixels. Every choice is in `definition` and in docs (the severity table).
 *
 * Images are planar C × H × W Float64Arrays in [0, 1] (C = 1 or 3). Outputs are clipped and rounded to 8-bit
 * levels, as the image files AI Verify writes would be. Severity 0 returns the input unchanged. Random
 * corruptions draw from the Rng given (src/util/random.ts), in a documented order, so an independent
 * reference (scripts/robustness/corruption_reference.py, same sfc32 stream) reproduces them.
 */
import type { Rng } from '../util/random.js';

export type Shape = readonly [channels: number, height: number, width: number];
export type CorruptionGroup = 'General' | 'Blur' | 'Digital' | 'Environment';

export type CorruptionValue = number | string | readonly (number | string)[];

export interface Corruption {
  /** AI Verify's corruption_function name. */
  name: string;
  group: CorruptionGroup;
  /** Parameter name and value at severities 1..5, as reported (AI Verify's `parameter` field). */
  parameter: string;
  values: readonly CorruptionValue[];
  random: boolean;
  /** What it does, and where the values come from. */
  definition: string;
  /** Applies the corruption with `value` = values[severity − 1] (unclipped, unquantised). */
  apply(img: Float64Array, shape: Shape, value: CorruptionValue, rng: Rng): Float64Array;
}

const clip01 = (v: number) => (v < 0 ? 0 : Math.min(v, 1));

/** Rounds to the nearest 8-bit level after clipping to [0, 1]. */
export function quantize(img: Float64Array): Float64Array {
  const out = new Float64Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.round(clip01(img[i]) * 255) / 255;
  return out;
}

/** Applies corruption `c` at `severity` (0 = unchanged copy, 1..5). */
export function corrupt(c: Corruption, img: Float64Array, shape: Shape, severity: number, rng: Rng): Float64Array {
  if (severity === 0) return img.slice();
  if (!Number.isInteger(severity) || severity < 1 || severity > c.values.length) {
    throw new Error(`${c.name}: severity must be 0..${c.values.length}, got ${severity}`);
  }
  return quantize(c.apply(img, shape, c.values[severity - 1], rng));
}

// ---------------------------------------------------------------------------------------------------------
// Building blocks

type Mode = 'nearest' | 'mirror';

/** Index into 0..n−1 for an out-of-range i: 'nearest' repeats the edge, 'mirror' reflects without repeating it (OpenCV REFLECT_101). */
function edgeIndex(i: number, n: number, mode: Mode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'nearest' || n === 1) return i < 0 ? 0 : n - 1;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Gaussian weights as scipy.ndimage.gaussian_filter1d makes them: radius = ⌊4σ + 0.5⌋, normalised. */
export function gaussianKernel(sigma: number): Float64Array {
  const r = Math.floor(4 * sigma + 0.5);
  const w = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    w[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    s += w[i + r];
  }
  for (let i = 0; i < w.length; i++) w[i] /= s;
  return w;
}

/** Correlates every channel along rows (axis 'x') or columns (axis 'y') with weights w centred at `origin`. */
function correlate1d(img: Float64Array, shape: Shape, w: Float64Array, origin: number, axis: 'x' | 'y', mode: Mode) {
  const [C, H, W] = shape;
  const out = new Float64Array(img.length);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) {
          const o = k - origin;
          const yy = axis === 'y' ? edgeIndex(y + o, H, mode) : y;
          const xx = axis === 'x' ? edgeIndex(x + o, W, mode) : x;
          s += w[k] * img[(c * H + yy) * W + xx];
        }
        out[(c * H + y) * W + x] = s;
      }
    }
  }
  return out;
}

/** Gaussian blur per channel, scipy's definition (truncate 4σ) with edge-repeat borders (skimage's default). */
export function gaussianBlur(img: Float64Array, shape: Shape, sigma: number): Float64Array {
  const w = gaussianKernel(sigma);
  const r = (w.length - 1) / 2;
  return correlate1d(correlate1d(img, shape, w, r, 'y', 'nearest'), shape, w, r, 'x', 'nearest');
}

/** 2-D correlation per channel with a square kernel (side 2R+1), mirror borders (OpenCV's filter2D default). */
function correlate2d(img: Float64Array, shape: Shape, k: Float64Array, R: number): Float64Array {
  const [C, H, W] = shape;
  const side = 2 * R + 1;
  const out = new Float64Array(img.length);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let dy = -R; dy <= R; dy++) {
          const yy = edgeIndex(y + dy, H, 'mirror');
          for (let dx = -R; dx <= R; dx++) {
            s += k[(dy + R) * side + dx + R] * img[(c * H + yy) * W + edgeIndex(x + dx, W, 'mirror')];
          }
        }
        out[(c * H + y) * W + x] = s;
      }
    }
  }
  return out;
}

/** Bilinear sample of channel c at (y, x); outside pixels are `fill` (number) or the nearest edge ('nearest'). */
function bilinear(img: Float64Array, shape: Shape, c: number, y: number, x: number, fill: number | 'nearest'): number {
  const H = shape[1];
  const W = shape[2];
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const base = c * H * W;
  let v00: number;
  let v01: number;
  let v10: number;
  let v11: number;
  if (fill === 'nearest') {
    const ya = y0 < 0 ? 0 : y0 >= H ? H - 1 : y0;
    const yb = y0 + 1 < 0 ? 0 : y0 + 1 >= H ? H - 1 : y0 + 1;
    const xa = x0 < 0 ? 0 : x0 >= W ? W - 1 : x0;
    const xb = x0 + 1 < 0 ? 0 : x0 + 1 >= W ? W - 1 : x0 + 1;
    v00 = img[base + ya * W + xa];
    v01 = img[base + ya * W + xb];
    v10 = img[base + yb * W + xa];
    v11 = img[base + yb * W + xb];
  } else {
    const inY0 = y0 >= 0 && y0 < H;
    const inY1 = y0 + 1 >= 0 && y0 + 1 < H;
    const inX0 = x0 >= 0 && x0 < W;
    const inX1 = x0 + 1 >= 0 && x0 + 1 < W;
    v00 = inY0 && inX0 ? img[base + y0 * W + x0] : fill;
    v01 = inY0 && inX1 ? img[base + y0 * W + x0 + 1] : fill;
    v10 = inY1 && inX0 ? img[base + (y0 + 1) * W + x0] : fill;
    v11 = inY1 && inX1 ? img[base + (y0 + 1) * W + x0 + 1] : fill;
  }
  return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
}

/** Poisson draw (Knuth's product of uniforms: one uniform per count, plus one). */
function poisson(rng: Rng, lambda: number): number {
  const L = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > L);
  return k - 1;
}

function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max;
  if (max === min) return [0, 0, v];
  const s = (max - min) / max;
  const rc = (max - r) / (max - min);
  const gc = (max - g) / (max - min);
  const bc = (max - b) / (max - min);
  let h = r === max ? bc - gc : g === max ? 2 + rc - bc : 4 + gc - rc;
  h = (((h / 6) % 1) + 1) % 1;
  return [h, s, v];
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  if (s === 0) return [v, v, v];
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** Maps every pixel through HSV; greyscale images have no hue or saturation, so V is the grey value. */
function mapHsv(img: Float64Array, shape: Shape, f: (hsv: [number, number, number]) => [number, number, number]) {
  const [C, H, W] = shape;
  const hw = H * W;
  const out = new Float64Array(img.length);
  for (let p = 0; p < hw; p++) {
    if (C === 1) {
      out[p] = f([0, 0, img[p]])[2];
      continue;
    }
    const [h, s, v] = f(rgbToHsv(img[p], img[hw + p], img[2 * hw + p]));
    const [r, g, b] = hsvToRgb(h, clip01(s), clip01(v));
    out[p] = r;
    out[hw + p] = g;
    out[2 * hw + p] = b;
  }
  return out;
}

/** Luma (ITU-R 601) of pixel p. */
function grey(img: Float64Array, shape: Shape, p: number): number {
  const [C, H, W] = shape;
  if (C === 1) return img[p];
  const hw = H * W;
  return 0.299 * img[p] + 0.587 * img[hw + p] + 0.114 * img[2 * hw + p];
}

/** A one-sided motion kernel (ImageMagick/Wand's motion blur, used by ImageNet-C): weights e^(−i²/2σ²), i = 0..r. */
function motionKernel(radius: number, sigma: number): Float64Array {
  const w = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let i = 0; i <= radius; i++) {
    w[radius - i] = Math.exp((-i * i) / (2 * sigma * sigma));
    s += w[radius - i];
  }
  for (let i = 0; i < w.length; i++) w[i] /= s;
  return w; // centred at index `radius`: out[x] = Σ_i w_i · in[x − i]
}

// JPEG (ITU T.81 Annex K tables, IJG quality scaling). An 8×8 block's lossy path is DCT → quantise → IDCT;
// the entropy coding that follows is lossless, so it is left out.
const JPEG_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const JPEG_CHROMA = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99,
];

function jpegTable(base: number[], quality: number): Float64Array {
  const q = Math.min(100, Math.max(1, quality));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return Float64Array.from(base, (b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

const DCT = (() => {
  const m = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++)
      m[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return m;
})();

/** JPEG round trip of one plane of 0..255 values (edge-replicated to whole 8×8 blocks), returns 0..255 integers. */
function jpegPlane(plane: Float64Array, H: number, W: number, table: Float64Array): Float64Array {
  const out = new Float64Array(H * W);
  const blk = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < H; by += 8) {
    for (let bx = 0; bx < W; bx += 8) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) blk[y * 8 + x] = plane[Math.min(H - 1, by + y) * W + Math.min(W - 1, bx + x)] - 128;
      }
      // forward 2-D DCT: F = D · B · Dᵀ, then quantise
      for (let u = 0; u < 8; u++) {
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += DCT[u * 8 + y] * blk[y * 8 + x];
          tmp[u * 8 + x] = s;
        }
      }
      for (let u = 0; u < 8; u++) {
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += tmp[u * 8 + x] * DCT[v * 8 + x];
          blk[u * 8 + v] = Math.round(s / table[u * 8 + v]) * table[u * 8 + v];
        }
      }
      // inverse: B = Dᵀ · F · D
      for (let y = 0; y < 8; y++) {
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let u = 0; u < 8; u++) s += DCT[u * 8 + y] * blk[u * 8 + v];
          tmp[y * 8 + v] = s;
        }
      }
      for (let y = 0; y < 8 && by + y < H; y++) {
        for (let x = 0; x < 8 && bx + x < W; x++) {
          let s = 0;
          for (let v = 0; v < 8; v++) s += tmp[y * 8 + v] * DCT[v * 8 + x];
          out[(by + y) * W + bx + x] = Math.min(255, Math.max(0, Math.round(s + 128)));
        }
      }
    }
  }
  return out;
}

/** JPEG at `quality`: greyscale as one luma plane; RGB through JFIF YCbCr without chroma subsampling. */
export function jpegRoundTrip(img: Float64Array, shape: Shape, quality: number): Float64Array {
  const [C, H, W] = shape;
  const hw = H * W;
  const q8 = (v: number) => Math.round(clip01(v) * 255);
  if (C === 1) {
    const plane = Float64Array.from(img.subarray(0, hw), q8);
    return jpegPlane(plane, H, W, jpegTable(JPEG_LUMA, quality)).map((v) => v / 255);
  }
  const Y = new Float64Array(hw);
  const Cb = new Float64Array(hw);
  const Cr = new Float64Array(hw);
  for (let p = 0; p < hw; p++) {
    const r = q8(img[p]);
    const g = q8(img[hw + p]);
    const b = q8(img[2 * hw + p]);
    Y[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    Cb[p] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
    Cr[p] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
  }
  const y2 = jpegPlane(Y, H, W, jpegTable(JPEG_LUMA, quality));
  const cb2 = jpegPlane(Cb, H, W, jpegTable(JPEG_CHROMA, quality));
  const cr2 = jpegPlane(Cr, H, W, jpegTable(JPEG_CHROMA, quality));
  const out = new Float64Array(3 * hw);
  for (let p = 0; p < hw; p++) {
    out[p] = (y2[p] + 1.402 * (cr2[p] - 128)) / 255;
    out[hw + p] = (y2[p] - 0.344136 * (cb2[p] - 128) - 0.714136 * (cr2[p] - 128)) / 255;
    out[2 * hw + p] = (y2[p] + 1.772 * (cb2[p] - 128)) / 255;
  }
  return out;
}

/** Solves the 8 × 8 system for the homography that maps the 4 points `from` onto `to` (Gaussian elimination). */
export function homography(from: number[][], to: number[][]): number[] {
  const A: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [u, v] = to[i];
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let piv = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k < 9; k++) A[r][k] -= f * A[c][k];
    }
  }
  return [...A.map((row, i) => row[8] / row[i]), 1];
}

/** Plasma fractal (diamond–square) as ImageNet-C's `plasma_fractal`: size a power of two, values in [0, 1]. */
export function plasmaFractal(size: number, wibbleDecay: number, rng: Rng): Float64Array {
  const map = new Float64Array(size * size);
  const at = (y: number, x: number) => map[(((y % size) + size) % size) * size + (((x % size) + size) % size)];
  let step = size;
  let wibble = 100;
  // wibbledmean(a) = a/4 + wibble·U(−wibble, wibble), drawn in row-major order of the sub-grid being filled.
  const wibbled = (sum: number) => sum / 4 + wibble * (-wibble + 2 * wibble * rng.next());
  while (step >= 2) {
    const h = step / 2;
    // squares: centre of each cell = mean of its 4 corners
    for (let y = h; y < size; y += step) {
      for (let x = h; x < size; x += step) {
        map[y * size + x] = wibbled(at(y - h, x - h) + at(y + h, x - h) + at(y - h, x + h) + at(y + h, x + h));
      }
    }
    // diamonds on the corner rows (y on the grid, x between), then on the corner columns
    const top: number[] = [];
    for (let y = 0; y < size; y += step) {
      for (let x = h; x < size; x += step) top.push(wibbled(at(y + h, x) + at(y - h, x) + at(y, x - h) + at(y, x + h)));
    }
    const left: number[] = [];
    for (let y = h; y < size; y += step) {
      for (let x = 0; x < size; x += step)
        left.push(wibbled(at(y, x + h) + at(y, x - h) + at(y - h, x) + at(y + h, x)));
    }
    let i = 0;
    for (let y = 0; y < size; y += step) for (let x = h; x < size; x += step) map[y * size + x] = top[i++];
    i = 0;
    for (let y = h; y < size; y += step) for (let x = 0; x < size; x += step) map[y * size + x] = left[i++];
    step = h;
    wibble /= wibbleDecay;
  }
  let mn = Number.POSITIVE_INFINITY;
  let mx = Number.NEGATIVE_INFINITY;
  for (const v of map) {
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  return map.map((v) => (v - mn) / (mx - mn || 1));
}

// ---------------------------------------------------------------------------------------------------------
// The corruptions (AI Verify's names and groups)

const perElement = (img: Float64Array, f: (v: number) => number) => img.map(f);

export const CORRUPTIONS: readonly Corruption[] = [
  {
    name: 'Gaussian_Noise',
    group: 'General',
    parameter: 'sigma',
    values: [0.08, 0.12, 0.18, 0.26, 0.38],
    random: true,
    definition:
      'x + N(0, σ²) per value, clipped (ImageNet-C gaussian_noise, its σ values). Draws: one rng.normal() per value, planar order.',
    apply: (img, _s, v, rng) => {
      const sigma = v as number;
      return perElement(img, (v) => v + sigma * rng.normal());
    },
  },
  {
    name: 'Poisson_Noise',
    group: 'General',
    parameter: 'scale',
    values: [60, 25, 12, 5, 3],
    random: true,
    definition:
      'Poisson(x·c)/c per value (ImageNet-C shot_noise, its c values; fewer photons = more noise). Draws: Knuth, uniforms in planar order.',
    apply: (img, _s, v, rng) => {
      const c = v as number;
      return perElement(img, (v) => poisson(rng, v * c) / c);
    },
  },
  {
    name: 'Salt_and_Pepper_Noise',
    group: 'General',
    parameter: 'amount',
    values: [0.03, 0.06, 0.09, 0.17, 0.27],
    random: true,
    definition:
      'each value becomes 0 with probability a/2 and 1 with probability a/2 (ImageNet-C impulse_noise, its amounts). Draws: one uniform per value.',
    apply: (img, _s, v, rng) => {
      const a = v as number;
      return perElement(img, (v) => {
        const u = rng.next();
        return u < a / 2 ? 0 : u < a ? 1 : v;
      });
    },
  },
  {
    name: 'Gaussian_Blur',
    group: 'Blur',
    parameter: 'sigma',
    values: [0.4, 0.6, 0.7, 0.8, 1],
    random: false,
    definition:
      'Gaussian filter, σ in pixels, truncated at 4σ, edge-repeat borders (ImageNet-C gaussian_blur; CIFAR-10-C σ values for small images).',
    apply: (img, shape, v) => gaussianBlur(img, shape, v as number),
  },
  {
    name: 'Glass_Blur',
    group: 'Blur',
    parameter: 'sigma,max_delta,iterations',
    values: [
      [0.05, 1, 1],
      [0.25, 1, 1],
      [0.4, 1, 1],
      [0.25, 1, 2],
      [0.4, 1, 2],
    ],
    random: true,
    definition:
      'Gaussian blur σ, then `iterations` passes swapping each pixel (rows H−1−δ..δ, columns W−1−δ..δ, descending) with one at offset (dy, dx) ∈ [−δ, δ]² (draws: dx then dy, rng.int(2δ+1) − δ), then blur again (ImageNet-C glass_blur with CIFAR-10-C values; the offset range is symmetric, where ImageNet-C’s randint excludes +δ).',
    apply: (img, shape, v, rng) => {
      const [sigma, md, iters] = v as readonly number[];
      const [C, H, W] = shape;
      const x = gaussianBlur(img, shape, sigma);
      for (let it = 0; it < iters; it++) {
        for (let h = H - 1 - md; h >= md; h--) {
          for (let w = W - 1 - md; w >= md; w--) {
            const dx = rng.int(2 * md + 1) - md;
            const dy = rng.int(2 * md + 1) - md;
            for (let c = 0; c < C; c++) {
              const a = (c * H + h) * W + w;
              const b = (c * H + h + dy) * W + w + dx;
              const t = x[a];
              x[a] = x[b];
              x[b] = t;
            }
          }
        }
      }
      return gaussianBlur(x, shape, sigma);
    },
  },
  {
    name: 'Defocus_Blur',
    group: 'Blur',
    parameter: 'radius,alias_blur',
    values: [
      [0.3, 0.4],
      [0.4, 0.5],
      [0.5, 0.6],
      [1, 0.2],
      [1.5, 0.1],
    ],
    random: false,
    definition:
      'correlation with a disk of radius r (x²+y² ≤ r², normalised), anti-aliased by a 3-tap Gaussian of σ alias_blur, mirror borders (ImageNet-C defocus_blur; CIFAR-10-C values; kernel cropped to its support).',
    apply: (img, shape, v) => {
      const [r, alias] = v as readonly number[];
      const R = Math.ceil(r) + 1;
      const side = 2 * R + 1;
      const disk = new Float64Array(side * side);
      let s = 0;
      for (let y = -R; y <= R; y++) {
        for (let x = -R; x <= R; x++) {
          if (x * x + y * y <= r * r) {
            disk[(y + R) * side + x + R] = 1;
            s++;
          }
        }
      }
      for (let i = 0; i < disk.length; i++) disk[i] /= s;
      const g = [Math.exp(-1 / (2 * alias * alias)), 1, Math.exp(-1 / (2 * alias * alias))];
      const gs = g[0] + g[1] + g[2];
      const w3 = Float64Array.from(g, (v) => v / gs);
      const kshape: Shape = [1, side, side];
      const k = correlate1d(correlate1d(disk, kshape, w3, 1, 'y', 'mirror'), kshape, w3, 1, 'x', 'mirror');
      return correlate2d(img, shape, k, R);
    },
  },
  ...(['Horizontal', 'Vertical'] as const).map(
    (dir): Corruption => ({
      name: `${dir}_Motion_Blur`,
      group: 'Blur',
      parameter: 'radius,sigma',
      values: [
        [3, 0.5],
        [3, 0.75],
        [3, 1],
        [3, 1.5],
        [3, 2],
      ],
      random: false,
      definition: `${dir.toLowerCase()} smear: out = Σ_{i=0..r} w_i · x shifted by i px ${dir === 'Horizontal' ? 'to the right' : 'downwards'}, w_i ∝ e^(−i²/2σ²), edge-repeat borders (ImageNet-C motion_blur's one-sided Gaussian line kernel at a fixed angle; radius and σ in pixels for small images).`,
      apply: (img, shape, v) => {
        const [radius, sigma] = v as readonly number[];
        return correlate1d(
          img,
          shape,
          motionKernel(radius, sigma),
          radius,
          dir === 'Horizontal' ? 'x' : 'y',
          'nearest',
        );
      },
    }),
  ),
  {
    name: 'Zoom_Blur',
    group: 'Blur',
    parameter: 'zoom_factor',
    values: [1.1, 1.2, 1.3, 1.4, 1.5],
    random: false,
    definition:
      'mean of the image and its zooms about the centre by 1.02, 1.04, … up to the factor (bilinear, edge-repeat) (ImageNet-C zoom_blur; steps of 0.02 instead of 0.01 and a larger range, so an 8 px image moves by whole pixels).',
    apply: (img, shape, v) => {
      const maxZ = v as number;
      const [C, H, W] = shape;
      const out = img.slice();
      const steps = Math.round((maxZ - 1) / 0.02);
      const cy = (H - 1) / 2;
      const cx = (W - 1) / 2;
      for (let k = 1; k <= steps; k++) {
        const z = 1 + 0.02 * k;
        for (let c = 0; c < C; c++) {
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              out[(c * H + y) * W + x] += bilinear(img, shape, c, cy + (y - cy) / z, cx + (x - cx) / z, 'nearest');
            }
          }
        }
      }
      return out.map((v) => v / (steps + 1));
    },
  },
  ...(['Up', 'Down'] as const).map(
    (dir): Corruption => ({
      name: `Brightness_${dir}`,
      group: 'Digital',
      parameter: 'factor',
      values: [0.1, 0.2, 0.3, 0.4, 0.5],
      random: false,
      definition: `HSV value ${dir === 'Up' ? '+' : '−'} c, clipped (ImageNet-C brightness, its c values; "down" mirrors it). Greyscale: the grey value.`,
      apply: (img, shape, v) => {
        const c = (v as number) * (dir === 'Up' ? 1 : -1);
        return mapHsv(img, shape, ([h, s, v]) => [h, s, clip01(v + c)]);
      },
    }),
  ),
  ...(['Up', 'Down'] as const).map(
    (dir): Corruption => ({
      name: `Contrast_${dir}`,
      group: 'Digital',
      parameter: 'factor',
      values: dir === 'Down' ? [0.4, 0.3, 0.2, 0.1, 0.05] : [1.5, 2, 3, 4, 6],
      random: false,
      definition: `(x − m)·c + m with m the channel mean (ImageNet-C contrast; ${dir === 'Down' ? 'its c values' : 'c > 1 for “up”, our values'}).`,
      apply: (img, shape, v) => {
        const c = v as number;
        const [C, H, W] = shape;
        const hw = H * W;
        const out = new Float64Array(img.length);
        for (let ch = 0; ch < C; ch++) {
          let m = 0;
          for (let p = 0; p < hw; p++) m += img[ch * hw + p];
          m /= hw;
          for (let p = 0; p < hw; p++) out[ch * hw + p] = (img[ch * hw + p] - m) * c + m;
        }
        return out;
      },
    }),
  ),
  ...(['Up', 'Down'] as const).map(
    (dir): Corruption => ({
      name: `Saturate_${dir}`,
      group: 'Digital',
      parameter: 'factor,shift',
      values:
        dir === 'Up'
          ? [
              [1.5, 0],
              [2, 0],
              [5, 0],
              [5, 0.1],
              [20, 0.2],
            ]
          : [
              [0.8, 0],
              [0.6, 0],
              [0.4, 0],
              [0.2, 0],
              [0, 0],
            ],
      random: false,
      definition: `HSV saturation s·a + b, clipped (ImageNet-C saturate; ${dir === 'Up' ? 'its last three values, two milder ones added' : 'a < 1 for “down”, our values'}). Greyscale images have no saturation: unchanged.`,
      apply: (img, shape, v) => {
        const [a, b] = v as readonly number[];
        if (shape[0] === 1) return img.slice();
        return mapHsv(img, shape, ([h, s, v]) => [h, clip01(s * a + b), v]);
      },
    }),
  ),
  {
    name: 'Random_Perspective',
    group: 'Digital',
    parameter: 'sigma',
    values: [0.03, 0.06, 0.09, 0.12, 0.15],
    random: true,
    definition:
      'each corner of the pixel-centre grid (TL, TR, BR, BL) moves by N(0, σ²)·(W−1, H−1) (draws: dx then dy per corner); output pixel p samples the input at H(p), H the homography from the corners to the moved corners; bilinear, 0 outside (albumentations Perspective, which AI Verify uses; no ImageNet-C counterpart).',
    apply: (img, shape, v, rng) => {
      const sigma = v as number;
      const [C, H, W] = shape;
      const corners = [
        [0, 0],
        [W - 1, 0],
        [W - 1, H - 1],
        [0, H - 1],
      ];
      const moved = corners.map(([x, y]) => {
        const dx = rng.normal() * sigma * (W - 1);
        const dy = rng.normal() * sigma * (H - 1);
        return [x + dx, y + dy];
      });
      const h = homography(corners, moved);
      const out = new Float64Array(img.length);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const den = h[6] * x + h[7] * y + h[8];
          const sx = (h[0] * x + h[1] * y + h[2]) / den;
          const sy = (h[3] * x + h[4] * y + h[5]) / den;
          for (let c = 0; c < C; c++) out[(c * H + y) * W + x] = bilinear(img, shape, c, sy, sx, 0);
        }
      }
      return out;
    },
  },
  {
    name: 'JPEG_Compression',
    group: 'Digital',
    parameter: 'quality',
    values: [25, 18, 15, 10, 7],
    random: false,
    definition:
      'baseline JPEG round trip at quality q: 8×8 DCT, IJG-scaled Annex K tables, rounding, inverse DCT (ImageNet-C jpeg_compression, its q values; RGB via YCbCr without chroma subsampling).',
    apply: (img, shape, v) => jpegRoundTrip(img, shape, v as number),
  },
  {
    name: 'Snow',
    group: 'Environment',
    parameter: 'loc,scale,threshold,sigma,mix',
    values: [
      [0.1, 0.2, 0.6, 0.5, 0.95],
      [0.1, 0.2, 0.5, 0.5, 0.9],
      [0.15, 0.3, 0.55, 0.75, 0.9],
      [0.25, 0.3, 0.6, 1, 0.85],
      [0.3, 0.3, 0.65, 1.25, 0.8],
    ],
    random: true,
    definition:
      'flakes = N(loc, scale²) per pixel (draws in row-major order), zero below threshold, smeared downwards by the motion kernel (radius 2, σ); x ← mix·x + (1−mix)·max(x, 1.5·grey(x) + 0.5); x + flakes + flakes rotated 180° (ImageNet-C snow with CIFAR-10-C loc/scale/threshold/mix; no zoom of the flake layer, and a vertical motion kernel in pixels for small images).',
    apply: (img, shape, v, rng) => {
      const [loc, scale, thr, sigma, mix] = v as readonly number[];
      const [C, H, W] = shape;
      const hw = H * W;
      const flakes = new Float64Array(hw);
      for (let p = 0; p < hw; p++) {
        const v = loc + scale * rng.normal();
        flakes[p] = v < thr ? 0 : v;
      }
      const smeared = correlate1d(flakes, [1, H, W], motionKernel(2, sigma), 2, 'y', 'nearest');
      const out = new Float64Array(img.length);
      for (let p = 0; p < hw; p++) {
        const g = grey(img, shape, p) * 1.5 + 0.5;
        const snow = smeared[p] + smeared[hw - 1 - p];
        for (let c = 0; c < C; c++) {
          const v = img[c * hw + p];
          out[c * hw + p] = mix * v + (1 - mix) * Math.max(v, g) + snow;
        }
      }
      return out;
    },
  },
  {
    name: 'Fog',
    group: 'Environment',
    parameter: 'intensity,wibble_decay',
    values: [
      [0.2, 3],
      [0.5, 3],
      [0.75, 2.5],
      [1, 2],
      [1.5, 1.75],
    ],
    random: true,
    definition:
      'x + c·plasma (diamond–square fractal of the next power-of-two size, top-left crop), then ·max(x)/(max(x) + c) (ImageNet-C fog with CIFAR-10-C values).',
    apply: (img, shape, v, rng) => {
      const [c, decay] = v as readonly number[];
      const [C, H, W] = shape;
      let size = 2;
      while (size < Math.max(H, W)) size *= 2;
      const plasma = plasmaFractal(size, decay, rng);
      let mx = 0;
      for (const v of img) mx = Math.max(mx, v);
      const out = new Float64Array(img.length);
      for (let ch = 0; ch < C; ch++) {
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const i = (ch * H + y) * W + x;
            out[i] = ((img[i] + c * plasma[y * size + x]) * mx) / (mx + c);
          }
        }
      }
      return out;
    },
  },
  {
    name: 'Rain',
    group: 'Environment',
    parameter: 'type,drops_per_pixel,length,dim',
    values: [
      ['drizzle', 0.03, 1, 0.9],
      ['drizzle', 0.06, 2, 0.85],
      ['heavy', 0.1, 2, 0.8],
      ['heavy', 0.15, 3, 0.75],
      ['torrential', 0.2, 4, 0.7],
    ],
    random: true,
    definition:
      'image dimmed by `dim`; round(density·H·W) drops, each at (rng.int(H), rng.int(W)) drawing a vertical streak of `length` px downwards at grey 200/255 (max with the pixel) (after albumentations RandomRain, which AI Verify uses; no ImageNet-C counterpart).',
    apply: (img, shape, v, rng) => {
      const [, density, length, dim] = v as readonly [string, number, number, number];
      const [C, H, W] = shape;
      const out = img.map((p) => p * dim);
      const drops = Math.round(density * H * W);
      for (let k = 0; k < drops; k++) {
        const y0 = rng.int(H);
        const x0 = rng.int(W);
        for (let y = y0; y < Math.min(H, y0 + length); y++) {
          for (let c = 0; c < C; c++) {
            const i = (c * H + y) * W + x0;
            out[i] = Math.max(out[i], 200 / 255);
          }
        }
      }
      return out;
    },
  },
];

export function getCorruption(name: string): Corruption | undefined {
  return CORRUPTIONS.find((c) => c.name === name);
}

/** One row of the severity table in src/robustness/README.md (a test keeps the two in step). */
export function severityTableRow(c: Corruption): string {
  const v = (x: Corruption['values'][number]) => (Array.isArray(x) ? `(${x.join(', ')})` : String(x));
  return `| ${c.name} | ${c.group} | ${c.parameter.replaceAll(',', ', ')} | ${c.values.map(v).join(' | ')} |`;
}
