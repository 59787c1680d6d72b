/**
 * Runs robustness tests the way the core does (plan → DuckDB `data` → model adapter → `scored` → test.run),
 * using the core's own loader, ONNX adapter, scoring and registry, with artifacts written to a temp folder.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Plan, type PlanInput } from '../../src/config/schema.js';
import { loadImageTensor } from '../../src/data/images.js';
import { loadData } from '../../src/data/load.js';
import { buildScored } from '../../src/data/scored.js';
import { DataSession } from '../../src/data/session.js';
import { openModel } from '../../src/models/open.js';
import { scoreAll } from '../../src/scoring/score.js';
import { getTest } from '../../src/tests/registry.js';
import type { TestOutcome } from '../../src/tests/types.js';
import { deriveSeed } from '../../src/util/random.js';

export interface RunOutcome {
  id: string;
  outcome: TestOutcome;
  outDir: string;
}

export async function runPlan(input: PlanInput, baseDir: string): Promise<RunOutcome[]> {
  const plan = Plan.parse(input);
  const db = await DataSession.open();
  const model = await openModel(plan, baseDir);
  try {
    const numeric: string[] = [];
    const other: string[] = [plan.target, ...plan.sensitive];
    if (model.input.kind === 'tabular')
      for (const f of model.input.features) (f.kind === 'numeric' ? numeric : other).push(f.name);
    if (plan.data.images) other.push(plan.data.images.fileColumn);
    await loadData(db, plan, baseDir, { numeric, other: [...new Set(other)] });
    const classes = (plan.classes ?? model.classes ?? []).map(String);
    let imageTensor: ((start: number, count: number) => Promise<Float64Array>) | undefined;
    if (plan.data.images) {
      const t = await loadImageTensor(db, plan, baseDir);
      const size = t.shape[0] * t.shape[1] * t.shape[2];
      imageTensor = async (start, count) => t.pixels.subarray(start * size, (start + count) * size);
    }
    await scoreAll(db, model, plan, { classes, imageTensor });
    await buildScored(db, plan, classes);
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'assay-robustness-'));
    const out: RunOutcome[] = [];
    for (const [index, spec] of plan.tests.entries()) {
      const test = getTest(spec.id);
      const params = test.params.parse(spec.params);
      const outcome = await test.run(
        {
          plan,
          task: plan.task,
          baseDir,
          outDir,
          db,
          model,
          classes,
          sensitive: plan.sensitive,
          seed: deriveSeed(plan.seed, index, test.id),
          progress: () => {},
          writeArtifact: async (name, data) => {
            const rel = path.posix.join('artifacts', test.id, name);
            mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
            writeFileSync(path.join(outDir, rel), data);
            return rel;
          },
        },
        params,
      );
      out.push({ id: test.id, outcome, outDir });
    }
    return out;
  } finally {
    await model.close();
    db.close();
  }
}
