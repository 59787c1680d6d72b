/**
 * Runs every benchmark, one child process each (so each reports its own peak RSS), sequentially (they
 * measure throughput: running them side by side on a 2-core machine would measure contention).
 * Usage: npm run bench [-- --only loading,fairness]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './common.js';

const ALL = ['loading', 'scoring', 'pipeline', 'fairness', 'explain', 'robustness', 'floors'];
const i = process.argv.indexOf('--only');
const chosen = i >= 0 ? process.argv[i + 1].split(',') : ALL;
const failed: string[] = [];
for (const name of chosen) {
  const file = path.join(BENCH_DIR, `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`bench ${name}: ${file} does not exist`);
    failed.push(name);
    continue;
  }
  console.log(`\n=== ${name} ===`);
  try {
    execFileSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  } catch {
    failed.push(name);
  }
}
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
