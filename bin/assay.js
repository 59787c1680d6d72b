#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('assay: the compiled CLI is missing. Run `npm run build` (or `npm ci`) in the assay folder first.');
  } else {
    console.error(err);
  }
  process.exit(3);
});
