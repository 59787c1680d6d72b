/**
 * Every report file is written atomically: to a temporary file in the same folder, then renamed, so a reader
 * never sees a half-written report and a crash leaves no file that looks complete.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AssayError } from '../errors.js';

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new AssayError('OUTPUT_WRITE', `cannot write ${file}: ${(e as Error).message}`, { file }, { cause: e });
  }
}
