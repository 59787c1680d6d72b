/**
 * The `http` adapter: a model behind a JSON endpoint.
 *
 * Each batch becomes one request whose body is the `request` template with "$rows" replaced by the rows as
 * objects {feature: raw value} (categorical codes decoded back to category values). The JSON text is built
 * directly from the typed array, with the keys and category values escaped once up front, so no per-row
 * objects are made. At most `concurrency` requests are in flight per model; each has its own timeout and is
 * retried with exponential backoff on 429, 5xx, timeouts and network errors.
 *
 * The auth secret is read from the environment when the model is opened and is only ever put in the request
 * header: it is not part of the identity, and it is redacted from any response snippet in an error message.
 */
import type { z } from 'zod';
import type { HttpModel } from '../config/schema.js';
import { AssayError, type ErrorCode, type ErrorLocation } from '../errors.js';
import type { OpenModelOptions } from './onnx.js';
import { argmaxRowsInto } from './outputs.js';
import { modelPreprocessing } from './preprocess.js';
import type { FeatureInfo, Model, ModelIdentity, Prediction } from './types.js';

export type HttpSpec = z.infer<typeof HttpModel>;

const ROWS_PLACEHOLDER = '$rows';

/** The endpoint as shown in identities and messages: no credentials, no query string (keys hide there too). */
export function publicEndpoint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Reads a dotted path ("a.b.0.c") from parsed JSON. */
export function getPath(value: unknown, dotted: string): unknown {
  if (dotted === '' || dotted === '.') return value;
  let v: unknown = value;
  for (const key of dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Builds a function that writes n raw rows as the JSON array of row objects. */
export function rowsJsonWriter(features: FeatureInfo[]): (x: Float64Array, start: number, n: number) => string {
  const d = features.length;
  const keys = features.map((f, j) => `${j === 0 ? '' : ','}${JSON.stringify(f.name)}:`);
  const cats = features.map((f) => (f.kind === 'categorical' ? f.categories.map((c) => JSON.stringify(c)) : null));
  return (x, start, n) => {
    const parts: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let s = '{';
      const row = (start + i) * d;
      for (let j = 0; j < d; j++) {
        const v = x[row + j];
        const c = cats[j];
        let text: string;
        if (c === null) text = Number.isFinite(v) ? String(v) : 'null';
        else text = v >= 0 && v < c.length && Number.isInteger(v) ? c[v] : 'null';
        s += keys[j] + text;
      }
      parts[i] = `${s}}`;
    }
    return `[${parts.join(',')}]`;
  };
}

/** Splits the request template around the "$rows" placeholder (anywhere in the JSON value). */
function bodyTemplate(template: unknown): [string, string] {
  const marker = `__assay_rows_${Math.random().toString(36).slice(2)}__`;
  const replace = (v: unknown): unknown => {
    if (v === ROWS_PLACEHOLDER) return marker;
    if (Array.isArray(v)) return v.map(replace);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, replace(x)]));
    }
    return v;
  };
  const text = JSON.stringify(replace(template));
  const at = text.indexOf(`"${marker}"`);
  if (at < 0) {
    throw new AssayError('CONFIG_INVALID', 'model.request must contain the string "$rows" where the batch goes', {
      configPath: 'model.request',
    });
  }
  return [text.slice(0, at), text.slice(at + marker.length + 2)];
}

/** A counting semaphore: at most `limit` holders at a time. */
function semaphore(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function openHttpModel(spec: HttpSpec, opts: OpenModelOptions): Promise<Model> {
  const endpoint = publicEndpoint(spec.url);
  const where: ErrorLocation = { endpoint, configPath: opts.configPath };

  const pre = modelPreprocessing(spec.preprocessing, opts, {
    model: endpoint,
    purpose: 'rows can be sent to the endpoint',
    where,
  });
  const features = pre.features;
  const classes = spec.classes ?? pre.sidecar.classes;
  const classification = opts.task !== 'regression';
  const resp = spec.response;
  if (classification && !resp.labels && !resp.probabilities && !resp.scores) {
    throw new AssayError(
      'CONFIG_INVALID',
      'model.response must name labels, probabilities or scores for a classifier',
      {
        ...where,
        configPath: 'model.response',
      },
    );
  }
  if (!classification && !resp.values && !resp.labels) {
    throw new AssayError('CONFIG_INVALID', 'model.response must name values (or labels) for a regression model', {
      ...where,
      configPath: 'model.response',
    });
  }
  if (resp.scores && opts.task !== 'binary-classification') {
    throw new AssayError('CONFIG_INVALID', 'model.response.scores is for binary classifiers; use probabilities', {
      ...where,
      configPath: 'model.response.scores',
    });
  }

  let secret: string | undefined;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...spec.headers };
  if (spec.auth) {
    secret = process.env[spec.auth.env];
    if (secret === undefined || secret === '') {
      throw new AssayError(
        'CONFIG_INVALID',
        `environment variable ${spec.auth.env} (model.auth.env) is not set; it must hold the endpoint's credential`,
        { ...where, configPath: 'model.auth.env' },
      );
    }
    headers[spec.auth.header] = `${spec.auth.prefix}${secret}`;
  }

  const [bodyHead, bodyTail] = bodyTemplate(spec.request);
  const writeRows = rowsJsonWriter(features);
  const limit = semaphore(spec.concurrency);

  const snippet = (text: string): string => {
    let s = text;
    if (secret) s = s.split(secret).join('***');
    s = s.replace(/\s+/g, ' ').trim();
    return s.length > 200 ? `${s.slice(0, 197)}...` : s;
  };
  const fail = (code: ErrorCode, msg: string, extra: ErrorLocation = {}): AssayError =>
    new AssayError(code, `model endpoint ${endpoint}: ${msg}`, { ...where, ...extra });

  /** One request with timeout and retries; returns the parsed JSON. */
  const post = async (body: string): Promise<unknown> => {
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < spec.retries;
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), spec.timeoutMs);
      let status = 0;
      let text = '';
      let retryAfterMs = 0;
      try {
        const res = await fetch(spec.url, { method: spec.method, headers, body, signal: ctrl.signal });
        status = res.status;
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra * 1000, 10_000);
        text = await res.text();
      } catch (e) {
        const timedOut = ctrl.signal.aborted;
        if (canRetry) {
          await sleep(spec.backoffMs * 2 ** attempt);
          continue;
        }
        if (timedOut) {
          throw fail('HTTP_TIMEOUT', `no answer within ${spec.timeoutMs} ms (after ${attempt + 1} attempt(s))`);
        }
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw fail(
          'HTTP_UNREACHABLE',
          `cannot be reached (${cause?.code ?? cause?.message ?? (e as Error).message}) after ${attempt + 1} attempt(s)`,
        );
      } finally {
        clearTimeout(timer);
      }
      if (status === 429 || status >= 500) {
        if (canRetry) {
          await sleep(Math.max(retryAfterMs, spec.backoffMs * 2 ** attempt));
          continue;
        }
        throw fail('HTTP_STATUS', `answered ${status} after ${attempt + 1} attempt(s): ${snippet(text)}`);
      }
      if (status < 200 || status >= 300) throw fail('HTTP_STATUS', `answered ${status}: ${snippet(text)}`);
      try {
        return JSON.parse(text);
      } catch {
        throw fail('HTTP_BAD_RESPONSE', `answered ${status} with a body that is not JSON: ${snippet(text)}`);
      }
    }
  };

  const numbers = (json: unknown, p: string, m: number, what: string): number[] => {
    const v = getPath(json, p);
    if (!Array.isArray(v) || v.length !== m) {
      throw fail(
        'HTTP_BAD_RESPONSE',
        `expected ${what} at "${p}" to be an array of ${m} (one per row); got ${Array.isArray(v) ? `${v.length} items` : typeof v}: ${snippet(JSON.stringify(json) ?? '')}`,
      );
    }
    return v as number[];
  };

  const classIndex = new Map<string, number>((classes ?? []).map((c, i) => [String(c), i]));

  /** Fills out rows [start, start+m) from one response. */
  const readResponse = (json: unknown, start: number, m: number, out: Prediction, k: number): void => {
    if (!classification) {
      const p = resp.values ?? resp.labels!;
      const v = numbers(json, p, m, 'values');
      for (let i = 0; i < m; i++) {
        const y = v[i];
        if (typeof y !== 'number' || !Number.isFinite(y)) {
          throw fail(
            'HTTP_BAD_RESPONSE',
            `value ${JSON.stringify(y)} for row ${start + i} at "${p}" is not a finite number`,
            {
              row: start + i,
            },
          );
        }
        out.labels[start + i] = y;
      }
      return;
    }
    const proba = out.proba;
    if (resp.probabilities && proba) {
      const rows = numbers(json, resp.probabilities, m, 'probabilities');
      for (let i = 0; i < m; i++) {
        const r = rows[i] as unknown;
        if (!Array.isArray(r) || r.length !== k || r.some((p) => typeof p !== 'number' || !Number.isFinite(p))) {
          throw fail(
            'HTTP_BAD_RESPONSE',
            `probabilities for row ${start + i} at "${resp.probabilities}" should be ${k} finite numbers; got ${snippet(JSON.stringify(r) ?? '')}`,
            { row: start + i },
          );
        }
        for (let j = 0; j < k; j++) proba[(start + i) * k + j] = r[j];
      }
    } else if (resp.scores && proba) {
      const s = numbers(json, resp.scores, m, 'scores');
      for (let i = 0; i < m; i++) {
        const p = s[i];
        if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
          throw fail(
            'HTTP_BAD_RESPONSE',
            `score ${JSON.stringify(p)} for row ${start + i} is not a probability in [0, 1]`,
            {
              row: start + i,
            },
          );
        }
        proba[(start + i) * 2] = 1 - p;
        proba[(start + i) * 2 + 1] = p;
      }
    }
    const labels = out.labels as Int32Array;
    if (resp.labels) {
      const v = numbers(json, resp.labels, m, 'labels') as unknown[];
      for (let i = 0; i < m; i++) {
        const raw = v[i];
        let idx = classIndex.get(String(raw)) ?? -1;
        if (
          idx < 0 &&
          !classes &&
          typeof raw === 'number' &&
          Number.isInteger(raw) &&
          raw >= 0 &&
          (k === 0 || raw < k)
        ) {
          idx = raw; // no declared classes: integer labels are class indexes
        }
        if (idx < 0) {
          throw fail(
            'HTTP_BAD_RESPONSE',
            `label ${JSON.stringify(raw)} for row ${start + i} is not one of the classes ${classes ? classes.join(', ') : '(none declared: expected class indexes)'}`,
            { row: start + i },
          );
        }
        labels[start + i] = idx;
      }
    } else if (proba) {
      argmaxRowsInto(proba, start, m, k, labels);
    }
  };

  const identity: ModelIdentity = {
    type: 'http',
    endpoint,
    details: {
      method: spec.method,
      batchSize: spec.batchSize,
      concurrency: spec.concurrency,
      timeoutMs: spec.timeoutMs,
      retries: spec.retries,
      response: resp,
      headerNames: Object.keys(headers).sort(),
      features: features.length,
      preprocessing: pre.source ?? (spec.preprocessing ? 'inline' : 'features'),
    },
  };

  // Probability width: declared classes, else 2 for binary; multiclass without classes learns it from the first row.
  let k = classes?.length ?? (opts.task === 'binary-classification' ? 2 : 0);

  return {
    identity,
    input: { kind: 'tabular', features },
    ...(classification && classes ? { classes } : {}),
    canPredict: true,
    async predict(x: Float64Array, n: number): Promise<Prediction> {
      const wantProba = classification && (resp.probabilities !== undefined || resp.scores !== undefined);
      // Multiclass without declared classes: the first answer tells the number of probability columns.
      const needK = wantProba && resp.probabilities !== undefined && k === 0;
      const alloc = (): Prediction =>
        classification
          ? { labels: new Int32Array(n), ...(wantProba ? { proba: new Float64Array(n * k) } : {}) }
          : { labels: new Float64Array(n) };
      const batches: [number, number][] = [];
      for (let s = 0; s < n; s += spec.batchSize) batches.push([s, Math.min(spec.batchSize, n - s)]);
      if (batches.length === 0) return alloc();
      let out: Prediction | undefined = needK ? undefined : alloc();
      // Each response is decoded as soon as it arrives, so at most `concurrency` bodies are held at once.
      const one = async ([s, m]: [number, number]): Promise<void> => {
        const json = await limit(() => post(bodyHead + writeRows(x, s, m) + bodyTail));
        if (!out) {
          const first = (getPath(json, resp.probabilities ?? '') as unknown[] | undefined)?.[0];
          k = Array.isArray(first) ? first.length : 0;
          if (k < 2) {
            throw fail('HTTP_BAD_RESPONSE', `probabilities at "${resp.probabilities}" should hold ≥ 2 numbers per row`);
          }
          out = alloc();
        }
        readResponse(json, s, m, out, k);
      };
      if (needK) await one(batches[0]);
      await Promise.all(batches.slice(needK ? 1 : 0).map(one));
      return out!;
    },
    async close(): Promise<void> {},
  };
}
