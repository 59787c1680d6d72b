/** `assay init`: writes a commented starter config. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { STARTER_CONFIG } from '../config/starter.js';
import { AssayError } from '../errors.js';
import { writeFileAtomic } from '../results/write.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented starter assay.yaml')
    .argument('[file]', 'where to write it', 'assay.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action(async (file: string, flags: { force?: boolean }) => {
      const abs = path.resolve(file);
      if (existsSync(abs) && !flags.force) {
        throw new AssayError('OUTPUT_WRITE', `${file} already exists; pass --force to overwrite it`, { file });
      }
      await writeFileAtomic(abs, STARTER_CONFIG);
      process.stderr.write(`wrote ${file}: edit the paths and columns, then run \`assay run ${file}\`\n`);
    });
}
