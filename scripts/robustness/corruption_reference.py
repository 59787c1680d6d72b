"""Independent reference outputs for src/robustness/corruptions.ts.

Each corruption is re-implemented here from its definition with numpy, scipy.ndimage and Pillow (JPEG through
Pillow's libjpeg), on two fixed images: an 8x8 greyscale digit (sklearn's load_digits()[933] quantised to 8 bits,
as the digits fixture) and a synthetic 8x8 RGB image. Random corruptions draw from the same seeded sfc32 stream
as src/util/random.ts (re-implemented below), in the order the definition states. Outputs are rounded to 8-bit
levels like the TypeScript side; images are stored as 0..255 integers. Writes test/fixtures/robustness/corruption_reference.json.

    /usr/bin/python3 scripts/robustness/corruption_reference.py
"""
import colorsys
import io
import json
import math
import os

import numpy as np
from PIL import Image
from scipy import ndimage
from sklearn.datasets import load_digits

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "robustness", "corruption_reference.json")
M32 = 0xFFFFFFFF


class Sfc32:
    """sfc32 exactly as src/util/random.ts: same state init, warm-up, next/int/normal."""

    def __init__(self, seed):
        self.a, self.b, self.c, self.d = 0x9E3779B9, 0x243F6A88, 0xB7E15162, seed & M32
        for _ in range(15):
            self.next32()

    def next32(self):
        t = (self.a + self.b + self.d) & M32
        self.d = (self.d + 1) & M32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & M32
        self.c = ((self.c << 21) | (self.c >> 11)) & M32
        self.c = (self.c + t) & M32
        return t

    def next(self):
        return self.next32() / 4294967296

    def int(self, n):
        return math.floor(self.next() * n)

    def normal(self):
        u = 0.0
        while u == 0.0:
            u = self.next()
        v = self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)


def q8(x):
    return np.floor(np.clip(x, 0, 1) * 255 + 0.5) / 255


def gaussian(x, s):
    return ndimage.gaussian_filter(x, sigma=(0, s, s), mode="nearest", truncate=4.0)


def gaussian_noise(x, sev, rng):
    s = [0.08, 0.12, 0.18, 0.26, 0.38][sev - 1]
    flat = x.flatten()
    return (flat + s * np.array([rng.normal() for _ in flat])).reshape(x.shape)


def poisson_noise(x, sev, rng):
    c = [60, 25, 12, 5, 3][sev - 1]

    def knuth(lam):
        L, k, p = math.exp(-lam), 0, 1.0
        while True:
            k += 1
            p *= rng.next()
            if p <= L:
                return k - 1

    return np.array([knuth(v * c) / c for v in x.flatten()]).reshape(x.shape)


def salt_pepper(x, sev, rng):
    a = [0.03, 0.06, 0.09, 0.17, 0.27][sev - 1]
    out = x.flatten().copy()
    for i in range(out.size):
        u = rng.next()
        if u < a / 2:
            out[i] = 0
        elif u < a:
            out[i] = 1
    return out.reshape(x.shape)


def gaussian_blur(x, sev, rng):
    return gaussian(x, [0.4, 0.6, 0.7, 0.8, 1][sev - 1])


def glass_blur(x, sev, rng):
    s, md, iters = [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)][sev - 1]
    C, H, W = x.shape
    y = gaussian(x, s)
    for _ in range(iters):
        for h in range(H - 1 - md, md - 1, -1):
            for w in range(W - 1 - md, md - 1, -1):
                dx = rng.int(2 * md + 1) - md
                dy = rng.int(2 * md + 1) - md
                a = y[:, h, w].copy()
                y[:, h, w] = y[:, h + dy, w + dx]
                y[:, h + dy, w + dx] = a
    return gaussian(y, s)


def defocus_blur(x, sev, rng):
    r, alias = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)][sev - 1]
    R = math.ceil(r) + 1
    L = np.arange(-R, R + 1)
    X, Y = np.meshgrid(L, L)
    disk = (X**2 + Y**2 <= r**2).astype(float)
    disk /= disk.sum()
    g = np.exp(-(np.array([-1.0, 0.0, 1.0]) ** 2) / (2 * alias**2))
    g /= g.sum()
    k = ndimage.correlate1d(ndimage.correlate1d(disk, g, axis=0, mode="mirror"), g, axis=1, mode="mirror")
    return np.stack([ndimage.correlate(ch, k, mode="mirror") for ch in x])


def motion(axis):
    def f(x, sev, rng):
        s = [0.5, 0.75, 1, 1.5, 2][sev - 1]
        r = 3
        w = np.zeros(2 * r + 1)
        for i in range(r + 1):
            w[r - i] = math.exp(-(i * i) / (2 * s * s))
        w /= w.sum()
        return ndimage.correlate1d(x, w, axis=axis, mode="nearest")

    return f


def zoom_blur(x, sev, rng):
    mz = [1.1, 1.2, 1.3, 1.4, 1.5][sev - 1]
    C, H, W = x.shape
    steps = round((mz - 1) / 0.02)
    out = x.copy()
    yy, xx = np.meshgrid(np.arange(H, dtype=float), np.arange(W, dtype=float), indexing="ij")
    cy, cx = (H - 1) / 2, (W - 1) / 2
    for k in range(1, steps + 1):
        z = 1 + 0.02 * k
        coords = [cy + (yy - cy) / z, cx + (xx - cx) / z]
        out += np.stack([ndimage.map_coordinates(ch, coords, order=1, mode="nearest") for ch in x])
    return out / (steps + 1)


def hsv_map(x, f):
    C, H, W = x.shape
    if C == 1:
        return np.vectorize(lambda v: float(f((0.0, 0.0, v))[2]), otypes=[float])(x)
    out = np.empty_like(x)
    for i in range(H):
        for j in range(W):
            h, s, v = f(colorsys.rgb_to_hsv(*x[:, i, j]))
            out[:, i, j] = colorsys.hsv_to_rgb(h, min(max(s, 0), 1), min(max(v, 0), 1))
    return out


def brightness(sign):
    def f(x, sev, rng):
        c = [0.1, 0.2, 0.3, 0.4, 0.5][sev - 1] * sign
        return hsv_map(x, lambda hsv: (hsv[0], hsv[1], min(max(hsv[2] + c, 0), 1)))

    return f


def contrast(values):
    def f(x, sev, rng):
        c = values[sev - 1]
        m = x.mean(axis=(1, 2), keepdims=True)
        return (x - m) * c + m

    return f


def saturate(values):
    def f(x, sev, rng):
        a, b = values[sev - 1]
        if x.shape[0] == 1:
            return x.copy()
        return hsv_map(x, lambda hsv: (hsv[0], min(max(hsv[1] * a + b, 0), 1), hsv[2]))

    return f


def perspective(x, sev, rng):
    s = [0.03, 0.06, 0.09, 0.12, 0.15][sev - 1]
    C, H, W = x.shape
    src = [(0, 0), (W - 1, 0), (W - 1, H - 1), (0, H - 1)]
    dst = []
    for cx, cy in src:
        dx = rng.normal() * s * (W - 1)
        dy = rng.normal() * s * (H - 1)
        dst.append((cx + dx, cy + dy))
    A, bvec = [], []
    for (x0, y0), (u, v) in zip(src, dst):
        A.append([x0, y0, 1, 0, 0, 0, -u * x0, -u * y0])
        bvec.append(u)
        A.append([0, 0, 0, x0, y0, 1, -v * x0, -v * y0])
        bvec.append(v)
    h = np.append(np.linalg.solve(np.array(A, float), np.array(bvec, float)), 1.0).reshape(3, 3)
    yy, xx = np.meshgrid(np.arange(H, dtype=float), np.arange(W, dtype=float), indexing="ij")
    pts = h @ np.stack([xx.ravel(), yy.ravel(), np.ones(H * W)])
    sx, sy = (pts[0] / pts[2]).reshape(H, W), (pts[1] / pts[2]).reshape(H, W)
    return np.stack([ndimage.map_coordinates(ch, [sy, sx], order=1, mode="grid-constant", cval=0.0) for ch in x])


def jpeg(x, sev, rng):
    q = [25, 18, 15, 10, 7][sev - 1]
    arr = np.floor(np.clip(x, 0, 1) * 255 + 0.5).astype(np.uint8)
    img = Image.fromarray(arr[0], "L") if x.shape[0] == 1 else Image.fromarray(arr.transpose(1, 2, 0), "RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q, subsampling=0)
    back = np.asarray(Image.open(io.BytesIO(buf.getvalue())), dtype=float) / 255
    return back[None] if x.shape[0] == 1 else back.transpose(2, 0, 1)


def snow(x, sev, rng):
    loc, scale, thr, s, mix = [
        (0.1, 0.2, 0.6, 0.5, 0.95),
        (0.1, 0.2, 0.5, 0.5, 0.9),
        (0.15, 0.3, 0.55, 0.75, 0.9),
        (0.25, 0.3, 0.6, 1, 0.85),
        (0.3, 0.3, 0.65, 1.25, 0.8),
    ][sev - 1]
    C, H, W = x.shape
    flakes = np.array([loc + scale * rng.normal() for _ in range(H * W)]).reshape(H, W)
    flakes[flakes < thr] = 0
    w = np.zeros(5)
    for i in range(3):
        w[2 - i] = math.exp(-(i * i) / (2 * s * s))
    w /= w.sum()
    sm = ndimage.correlate1d(flakes, w, axis=0, mode="nearest")
    g = x[0] if C == 1 else 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    y = mix * x + (1 - mix) * np.maximum(x, g * 1.5 + 0.5)
    return y + sm + np.rot90(sm, 2)


def plasma(mapsize, decay, rng):
    """ImageNet-C's plasma_fractal (rolls over the whole grid), uniforms drawn row-major per sub-grid."""
    m = np.zeros((mapsize, mapsize))
    step = mapsize
    wib = [100.0]

    def wibbled(a):
        u = np.array([rng.next() for _ in range(a.size)]).reshape(a.shape)
        return a / 4 + wib[0] * (-wib[0] + 2 * wib[0] * u)

    while step >= 2:
        h = step // 2
        corners = m[0:mapsize:step, 0:mapsize:step]
        acc = corners + np.roll(corners, -1, axis=0)
        acc = acc + np.roll(acc, -1, axis=1)
        m[h:mapsize:step, h:mapsize:step] = wibbled(acc)
        dr = m[h:mapsize:step, h:mapsize:step].copy()
        ul = m[0:mapsize:step, 0:mapsize:step].copy()
        lt = dr + np.roll(dr, 1, axis=0) + ul + np.roll(ul, -1, axis=1)
        tt = dr + np.roll(dr, 1, axis=1) + ul + np.roll(ul, -1, axis=0)
        m[0:mapsize:step, h:mapsize:step] = wibbled(lt)
        m[h:mapsize:step, 0:mapsize:step] = wibbled(tt)
        step //= 2
        wib[0] /= decay
    m -= m.min()
    return m / m.max()


def fog(x, sev, rng):
    c, decay = [(0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)][sev - 1]
    C, H, W = x.shape
    size = 2
    while size < max(H, W):
        size *= 2
    mx = x.max()
    p = plasma(size, decay, rng)[:H, :W]
    return (x + c * p) * mx / (mx + c)


def rain(x, sev, rng):
    density, length, dim = [(0.03, 1, 0.9), (0.06, 2, 0.85), (0.1, 2, 0.8), (0.15, 3, 0.75), (0.2, 4, 0.7)][sev - 1]
    C, H, W = x.shape
    out = x * dim
    for _ in range(round(density * H * W)):
        y0, x0 = rng.int(H), rng.int(W)
        seg = out[:, y0 : min(H, y0 + length), x0]
        out[:, y0 : min(H, y0 + length), x0] = np.maximum(seg, 200 / 255)
    return out


FUNCS = {
    "Gaussian_Noise": gaussian_noise,
    "Poisson_Noise": poisson_noise,
    "Salt_and_Pepper_Noise": salt_pepper,
    "Gaussian_Blur": gaussian_blur,
    "Glass_Blur": glass_blur,
    "Defocus_Blur": defocus_blur,
    "Horizontal_Motion_Blur": motion(2),
    "Vertical_Motion_Blur": motion(1),
    "Zoom_Blur": zoom_blur,
    "Brightness_Up": brightness(1),
    "Brightness_Down": brightness(-1),
    "Contrast_Up": contrast([1.5, 2, 3, 4, 6]),
    "Contrast_Down": contrast([0.4, 0.3, 0.2, 0.1, 0.05]),
    "Saturate_Up": saturate([(1.5, 0), (2, 0), (5, 0), (5, 0.1), (20, 0.2)]),
    "Saturate_Down": saturate([(0.8, 0), (0.6, 0), (0.4, 0), (0.2, 0), (0, 0)]),
    "Random_Perspective": perspective,
    "JPEG_Compression": jpeg,
    "Snow": snow,
    "Fog": fog,
    "Rain": rain,
}


def main():
    digit = np.floor(load_digits().images[933] * 255 / 16 + 0.5) / 255  # as the fixture's digit_0000.png
    yy, xx = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    rgb = np.stack([(xx * 32 + 16) / 255, (yy * 28 + 20) / 255, ((xx + yy) * 15 + 10) / 255])
    rgb = np.floor(rgb * 255 + 0.5) / 255
    images = {"digit": digit[None], "rgb": rgb}
    out = {"images": {k: np.rint(v * 255).astype(int).flatten().tolist() for k, v in images.items()}, "shapes": {k: list(v.shape) for k, v in images.items()}, "cases": []}
    for fi, (name, f) in enumerate(FUNCS.items()):
        for key, img in images.items():
            for sev in range(1, 6):
                seed = 1000 + 10 * fi + sev
                y = q8(f(img.copy(), sev, Sfc32(seed)))
                out["cases"].append({"name": name, "image": key, "severity": sev, "seed": seed, "expected": np.rint(y * 255).astype(int).flatten().tolist()})
    with open(OUT, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
    print("wrote", OUT, len(out["cases"]), "cases")


if __name__ == "__main__":
    main()
