/**
 * A real HTTP model server for the http adapter's tests: node:http on 127.0.0.1 (random port) serving the
 * German credit MLP through onnxruntime-node. It preprocesses the JSON rows itself, straight from the
 * sidecar (as the fixtures' verify_onnx.js does), so it does not share code with the adapter under test.
 *
 * Routes: /predict (normal, optional delay), /flaky (429 for the first `failFirst` requests), /error (always
 * 500), /malformed (not JSON), /short (one prediction too few), /badlabel (a label outside the classes),
 * /hang (never answers), /echo-auth-500 (500 whose body echoes the Authorization header).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { readSidecar } from '../support/sidecar.js';

export interface ModelServer {
  url: (route: string) => string;
  stats: { requests: number; inFlight: number; maxInFlight: number; batchSizes: number[]; authHeaders: string[] };
  reset(): void;
  close(): Promise<void>;
}

export async function startModelServer(
  dir: string,
  opts: { delayMs?: number; failFirst?: number } = {},
): Promise<ModelServer> {
  const sidecar = readSidecar(path.join(dir, 'german_credit_mlp.json'));
  const session = await ort.InferenceSession.create(path.join(dir, 'german_credit_mlp.onnx'), { intraOpNumThreads: 1 });
  const width = sidecar.feature_names.length;
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0, batchSizes: [] as number[], authHeaders: [] as string[] };
  let flakyCount = 0;

  const predict = async (rows: Record<string, unknown>[]) => {
    const x = new Float32Array(rows.length * width);
    rows.forEach((r, i) => {
      let k = i * width;
      for (const c of sidecar.columns) {
        if (c.type === 'numeric') x[k++] = (Number(r[c.name]) - c.mean!) / c.std!;
        else for (const cat of c.categories!) x[k++] = r[c.name] === cat ? 1 : 0;
      }
    });
    const out = await session.run({ input: new ort.Tensor('float32', x, [rows.length, width]) });
    const p = out.probabilities.data as Float32Array;
    const probabilities = rows.map((_, i) => [p[i * 2], p[i * 2 + 1]]);
    const predictions = probabilities.map(([a, b]) => sidecar.classes[b > a ? 1 : 0]);
    return { predictions, probabilities };
  };

  const server = http.createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      stats.requests++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      if (req.headers.authorization) stats.authHeaders.push(req.headers.authorization);
      const done = (status: number, body: string, headers: Record<string, string> = {}) => {
        stats.inFlight--;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      };
      if (route === '/hang') return; // never answers (stays in flight)
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { instances: Record<string, unknown>[] };
        stats.batchSizes.push(body.instances.length);
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        if (route === '/flaky' && flakyCount++ < (opts.failFirst ?? 2)) return done(429, '{"error":"slow down"}');
        if (route === '/error') return done(500, JSON.stringify({ error: `internal failure ${'x'.repeat(400)}` }));
        if (route === '/echo-auth-500') {
          return done(500, JSON.stringify({ error: `bad token ${req.headers.authorization}` }));
        }
        if (route === '/malformed') return done(200, '{"predictions": [1, 2,');
        const result = await predict(body.instances);
        if (route === '/short') result.predictions.pop();
        if (route === '/badlabel') result.predictions[0] = 'excellent';
        return done(200, JSON.stringify(result));
      } catch (e) {
        return done(400, JSON.stringify({ error: (e as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (route) => `http://127.0.0.1:${port}${route}`,
    stats,
    reset() {
      Object.assign(stats, { requests: 0, inFlight: 0, maxInFlight: 0, batchSizes: [], authHeaders: [] });
      flakyCount = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await session.release();
    },
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
