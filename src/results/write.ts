import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AssayError } from '../errors.js';

/**
 * Writes a file atomically: a temp file in the same folder, then rename. A reader never sees a
 * half-written file, and a crash leaves the previous version intact.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  // pid + random suffix: concurrent writers of the same file never share a temp file.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {}); // nothing to clean when the folder itself failed
    throw new AssayError('OUTPUT_WRITE', `cannot write ${file}: ${(e as Error).message}`, { file }, { cause: e });
  }
}

/** Stable JSON: keys in insertion order, 2-space indent, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer, 2)}\n`;
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw new Error(`non-finite number ${v} in results (a metric must be null with a reason instead)`);
  }
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) return Array.from(v);
  return v;
}
