/** Temporary folders for tests, removed afterwards. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(prefix = 'assay-test-'): { dir: string; file(name: string, content: string | Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file(name, content) {
      const p = path.join(dir, name);
      writeFileSync(p, name.endsWith('.gz') && typeof content === 'string' ? gzipSync(content) : content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
