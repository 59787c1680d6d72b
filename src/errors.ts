/**
 * One error type for everything a user can cause or fix. It carries a stable code (asserted by tests and
 * documented in docs/errors.md), a message a person can act on, and where the problem is.
 * The CLI prints it and exits with `exitCode`; the API throws it; reports show it.
 */
import os from 'node:os';

/** Exit codes of the CLI (documented in the README). */
export const EXIT = {
  ok: 0,
  thresholdFailed: 1,
  badInput: 2,
  internal: 3,
} as const;

export const ERROR_CODES = {
  // configuration
  CONFIG_NOT_FOUND: 'the config file does not exist',
  CONFIG_PARSE: 'the config file is not valid YAML/JSON',
  CONFIG_INVALID: 'the config does not match the schema',
  // data
  FILE_NOT_FOUND: 'an input file does not exist',
  DATA_UNREADABLE: 'a data file cannot be parsed (ragged or malformed)',
  DATA_EMPTY: 'a data file or the selected rows are empty',
  COLUMN_MISSING: 'a column named in the config is not in the data',
  COLUMN_NOT_NUMERIC: 'a column that must be numeric holds text',
  NULL_VALUES: 'a required column holds nulls',
  DUPLICATE_ID: 'the row id column holds duplicates',
  NON_FINITE: 'a numeric column holds NaN or Infinity',
  UNKNOWN_LABEL: 'a label is not one of the declared classes',
  IMAGE_INVALID: 'an image file cannot be decoded or has the wrong size',
  // models
  MODEL_INVALID: 'the model file is not a loadable ONNX model',
  MODEL_SHAPE_MISMATCH: 'the model inputs/outputs do not match the spec',
  MODEL_OUTPUT_INVALID: 'the model returned values outside the expected form',
  MODEL_UNAVAILABLE: 'the model needed by a test is not available',
  HTTP_UNREACHABLE: 'the model endpoint cannot be reached',
  HTTP_TIMEOUT: 'the model endpoint did not answer in time',
  HTTP_STATUS: 'the model endpoint answered with an error status',
  HTTP_BAD_RESPONSE: 'the model endpoint answered with malformed JSON or the wrong shape',
  // tests
  TEST_UNKNOWN: 'the config names a test that does not exist',
  TEST_PARAMS: 'a test parameter is invalid',
  THRESHOLD_INVALID: 'a threshold expression or metric name is invalid',
  // evidence and frameworks
  EVIDENCE_MISSING: 'an evidence file named in the process checks does not exist',
  FRAMEWORK_UNKNOWN: 'an unknown framework or control id',
  // output
  RESULTS_INVALID: 'a results.json is not valid JSON or does not match the results schema',
  OUTPUT_WRITE: 'the output folder cannot be written',
  BROWSER_MISSING: 'no Chromium was found to print the PDF',
  // resources
  OUT_OF_MEMORY: 'the data engine needed more than its memory limit and could not spill to disk',
  // everything else
  INTERNAL: 'an unexpected internal error (a bug: please report it)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorLocation {
  file?: string;
  row?: number;
  column?: string;
  configPath?: string;
  endpoint?: string;
  test?: string;
}

export class AssayError extends Error {
  readonly code: ErrorCode;
  readonly where: ErrorLocation;
  readonly hint?: string;

  constructor(
    code: ErrorCode,
    message: string,
    where: ErrorLocation = {},
    options?: { hint?: string; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AssayError';
    this.code = code;
    this.where = where;
    this.hint = options?.hint;
  }

  get exitCode(): number {
    return this.code === 'INTERNAL' ? EXIT.internal : EXIT.badInput;
  }

  /** JSON form used in results.json and `--json` output. */
  toJSON(): { code: ErrorCode; message: string; where: ErrorLocation; hint?: string } {
    return { code: this.code, message: this.message, where: this.where, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

export function isAssayError(e: unknown): e is AssayError {
  return e instanceof AssayError;
}

/** Wraps anything thrown into an AssayError; unknown errors become INTERNAL (exit code 3). */
export function toAssayError(e: unknown): AssayError {
  if (e instanceof AssayError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (/Out of Memory Error/i.test(message)) {
    return new AssayError(
      'OUT_OF_MEMORY',
      message.split('\n')[0],
      {},
      {
        cause: e,
        hint: `Raise the limit with ASSAY_MEMORY_LIMIT (now ${process.env.ASSAY_MEMORY_LIMIT ?? '1GB'}, e.g. ASSAY_MEMORY_LIMIT=4GB), or free space in ${os.tmpdir()} where DuckDB spills.`,
      },
    );
  }
  return new AssayError('INTERNAL', message, {}, { cause: e });
}

/** Formats an error for a terminal: code, message, location, hint. */
export function formatError(e: AssayError): string {
  const where = Object.entries(e.where)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `assay: error ${e.code}: ${e.message}${where ? `\n  at ${where}` : ''}${e.hint ? `\n  hint: ${e.hint}` : ''}`;
}
