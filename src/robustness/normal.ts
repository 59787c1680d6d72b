/**
 * Fast standard normal draws for HopSkipJump's gradient probes (m draws per probe, millions per attack): the
 * ziggurat method of Marsaglia & Tsang ("The Ziggurat Method for Generating Random Variables", J. Stat. Softw.
 * 5(8), 2000), 128 layers, fed by the seeded Rng (src/util/random.ts), so results stay reproducible. About 99%
 * of draws cost one uniform and one table look-up, against two uniforms, a log, a sqrt and a cos for Box–Muller.
 */
import type { Rng } from '../util/random.js';

const M1 = 2147483648; // 2^31
const KN = new Float64Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
const R = 3.442619855899;
{
  const vn = 9.91256303526217e-3;
  let dn = R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = (dn / q) * M1;
  KN[1] = 0;
  WN[0] = q / M1;
  WN[127] = dn / M1;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = (dn / tn) * M1;
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / M1;
  }
}

/**
 * Fills out[offset .. offset+count) with independent standard normal draws; returns their sum of squares.
 * The fast path steps sfc32 inline on local copies of the Rng's state (a call per uniform cost ~3× more);
 * the draws are exactly those `rng.next()` would give, in the same order.
 */
export function fillNormal(rng: Rng, out: Float64Array, offset: number, count: number): number {
  const st = rng.state;
  let a = st[0];
  let b = st[1];
  let c = st[2];
  let d = st[3];
  let ss = 0;
  for (let k = 0; k < count; k++) {
    // sfc32, as createRng's next32 (src/util/random.ts); `| 0` of the 32-bit output = (next() · 2^32) | 0.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    const hz = t;
    const iz = hz & 127;
    if (Math.abs(hz) < KN[iz]) {
      const v = hz * WN[iz];
      out[offset + k] = v;
      ss += v * v;
      continue;
    }
    st[0] = a;
    st[1] = b;
    st[2] = c;
    st[3] = d;
    const v = slowDraw(rng, hz, iz);
    out[offset + k] = v;
    ss += v * v;
    a = st[0];
    b = st[1];
    c = st[2];
    d = st[3];
  }
  st[0] = a;
  st[1] = b;
  st[2] = c;
  st[3] = d;
  return ss;
}

/** The slow path (about 1% of draws): the base strip's tail, or a wedge test; uses rng.next(). */
function slowDraw(rng: Rng, hz0: number, iz0: number): number {
  let hz = hz0;
  let iz = iz0;
  for (;;) {
    if (iz === 0) {
      let x: number;
      let y: number;
      do {
        x = -Math.log(1 - rng.next()) / R;
        y = -Math.log(1 - rng.next());
      } while (y + y < x * x);
      return hz > 0 ? R + x : -R - x;
    }
    const x = hz * WN[iz];
    if (FN[iz] + rng.next() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
    hz = (rng.next() * 4294967296) | 0;
    iz = hz & 127;
    if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
  }
}
