/**
 * The `assay` command. Thin: parse arguments, call the API, print, set the exit code.
 * Exit codes: 0 all passed, 1 a threshold failed, 2 bad input or config, 3 internal error.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, formatError, toAssayError } from '../errors.js';
import { toolVersion } from '../results/versions.js';
import { registerFrameworkCommands } from './frameworks.js';
import { registerInit } from './init.js';
import { registerReportCommand } from './report.js';
import { registerRun } from './run.js';

export function buildProgram(): Command {
  const program = new Command('assay')
    .description('Test an AI system once; get evidence for NIST AI RMF, AI Verify, NIST AI 600-1, ISO/IEC 42001 and the EU AI Act.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run `assay --help` or `assay <command> --help`)')
    .addHelpText(
      'after',
      '\nExit codes: 0 all tests passed, 1 a threshold failed, 2 bad input or config, 3 internal error.\nDocs: README.md, docs/.',
    );
  registerRun(program);
  registerInit(program);
  registerReportCommand(program);
  registerFrameworkCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors are bad input.
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
      return;
    }
    const err = toAssayError(e);
    process.stderr.write(`${formatError(err)}\n`);
    if (err.code === 'INTERNAL' && err.cause instanceof Error && err.cause.stack) {
      process.stderr.write(`${err.cause.stack}\n`);
    }
    process.exitCode = err.exitCode;
  }
}
