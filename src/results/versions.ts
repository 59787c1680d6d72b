/** Tool, runtime and dependency versions recorded in results.json (what computed the numbers). */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** The package root: two levels above this module in both src/ and dist/. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function readJson(file: string): { name?: string; version?: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
}

export function toolVersion(): string {
  return readJson(path.join(PACKAGE_ROOT, 'package.json')).version ?? '0.0.0';
}

/** Version of an installed dependency, found by walking up from its resolved entry point. */
export function dependencyVersion(name: string): string {
  try {
    let dir = path.dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      const pj = path.join(dir, 'package.json');
      if (existsSync(pj)) {
        const j = readJson(pj);
        if (j.name === name) return j.version ?? 'unknown';
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not installed: reported as such
  }
  return 'not installed';
}

const RECORDED = ['@duckdb/node-api', 'onnxruntime-node', 'zod'];

export function environment(duckdbEngine: string): { node: string; platform: string; dependencies: Record<string, string> } {
  const dependencies: Record<string, string> = { duckdb: duckdbEngine };
  for (const d of RECORDED) dependencies[d] = dependencyVersion(d);
  return { node: process.version, platform: `${process.platform}-${process.arch}`, dependencies };
}
