/**
 * Checks the bundled demo sample (demo/, built by scripts/demo/build.sh): the data, the ONNX model run through
 * onnxruntime-node against the scikit-learn model's own outputs, the sidecar and the demo plan.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FeatureColumn, Plan } from '../../src/config/schema.js';
import { loadData } from '../../src/data/load.js';
import { readFeatureMatrix } from '../../src/data/features.js';
import { DataSession } from '../../src/data/session.js';
import { openOnnxModel } from '../../src/models/onnx.js';
import { REPO_ROOT } from '../support/shared.js';

const DEMO = path.join(REPO_ROOT, 'demo');
const ATTRIBUTES = [
  'checking_status',
  'duration',
  'credit_history',
  'purpose',
  'credit_amount',
  'savings_status',
  'employment',
  'installment_commitment',
  'personal_status',
  'other_parties',
  'residence_since',
  'property_magnitude',
  'age',
  'other_payment_plans',
  'housing',
  'existing_credits',
  'job',
  'num_dependents',
  'own_telephone',
  'foreign_worker',
];

type Row = Record<string, string>;

/** The demo CSVs never need quoting (the build refuses values with commas or quotes), so a split suffices. */
function readCsv(file: string): { header: string[]; rows: Row[] } {
  const lines = readFileSync(path.join(DEMO, file), 'utf8').trimEnd().split('\n');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    expect(cells.length, `${file}: ${line}`).toBe(header.length);
    return Object.fromEntries(header.map((h, j) => [h, cells[j]]));
  });
  return { header, rows };
}

/** The sidecar's preprocessing: standardise numerics (float64, then float32), one-hot categoricals in order. */
function encode(rows: Row[], columns: FeatureColumn[]): Float32Array {
  const width = columns.reduce((w, c) => w + (c.type === 'numeric' ? 1 : c.categories.length), 0);
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    let j = i * width;
    for (const c of columns) {
      if (c.type === 'numeric') out[j++] = (Number(row[c.name]) - (c.mean ?? 0)) / (c.std ?? 1);
      else for (const cat of c.categories) out[j++] = row[c.name] === String(cat) ? 1 : 0;
    }
  });
  return out;
}

const sidecar = JSON.parse(readFileSync(path.join(DEMO, 'german-credit-mlp.json'), 'utf8'));
const data = readCsv('german-credit.csv');
const testRows = data.rows.filter((r) => r.split === 'test');

describe('demo data (german-credit.csv)', () => {
  it('has 1000 rows, the 20 attributes, the target and the derived columns', () => {
    expect(data.rows).toHaveLength(1000);
    expect(data.header).toEqual(['row_id', ...ATTRIBUTES, 'credit', 'sex', 'age_group', 'split']);
    expect(data.rows.map((r) => Number(r.row_id))).toEqual([...Array(1000).keys()]);
    expect(data.rows.filter((r) => r.credit === 'good')).toHaveLength(700);
  });

  it('has a stratified 70/30 split: 300 test rows, 210 good and 90 bad', () => {
    expect(testRows).toHaveLength(300);
    expect(testRows.filter((r) => r.credit === 'good')).toHaveLength(210);
    expect(new Set(data.rows.map((r) => r.split))).toEqual(new Set(['train', 'test']));
  });

  it('derives sex from personal_status and age_group from age', () => {
    for (const r of data.rows) {
      expect(r.sex).toBe(r.personal_status.split(' ')[0]);
      expect(r.age_group).toBe(Number(r.age) < 25 ? '<25' : '>=25');
    }
    expect(data.rows.filter((r) => r.personal_status === 'female single')).toHaveLength(0);
    expect(data.rows.filter((r) => r.sex === 'female')).toHaveLength(310);
  });
});

describe('demo model (german-credit-mlp.onnx + sidecar)', () => {
  const columns: FeatureColumn[] = sidecar.columns.map((c: unknown) => FeatureColumn.parse(c));
  const saved = readCsv('test-predictions.csv').rows;
  let probabilities: Float32Array;

  beforeAll(async () => {
    const session = await ort.InferenceSession.create(path.join(DEMO, 'german-credit-mlp.onnx'));
    expect(session.inputNames).toEqual([sidecar.input.name]);
    expect(session.outputNames).toEqual([sidecar.output.name]);
    const width = sidecar.input.shape[1];
    const input = new ort.Tensor('float32', encode(testRows, columns), [testRows.length, width]);
    const out = await session.run({ [sidecar.input.name]: input });
    probabilities = out[sidecar.output.name].data as Float32Array;
    await session.release();
  });

  it('describes the model the plan expects', () => {
    expect(columns.map((c) => c.name)).toEqual(ATTRIBUTES);
    expect(sidecar.classes).toEqual(['bad', 'good']);
    expect([sidecar.positive_class, sidecar.positive_index]).toEqual(['good', 1]);
    expect(sidecar.feature_names).toHaveLength(sidecar.input.shape[1]);
  });

  it('reproduces the scikit-learn probabilities on the 300 test rows within 1e-6', () => {
    expect(saved.map((r) => r.row_id)).toEqual(testRows.map((r) => r.row_id));
    let maxDiff = 0;
    saved.forEach((r, i) => {
      const [pBad, pGood] = [probabilities[2 * i], probabilities[2 * i + 1]];
      expect(Math.abs(pBad + pGood - 1)).toBeLessThan(1e-6);
      maxDiff = Math.max(maxDiff, Math.abs(pGood - Number(r.y_prob)));
      expect(pGood > 0.5 ? 1 : 0).toBe(Number(r.y_pred));
      expect(Number(r.y_true)).toBe(testRows[i].credit === 'good' ? 1 : 0);
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
  });

  it('has the test metrics its sidecar states (recomputed from the saved predictions)', () => {
    const correct = saved.filter((r) => r.y_true === r.y_pred).length;
    expect(sidecar.metrics.test_accuracy).toBeCloseTo(correct / 300, 12);
    const rate = (keep: (r: Row) => boolean) => {
      const group = saved.filter((_, i) => keep(testRows[i]));
      return group.filter((r) => r.y_pred === '1').length / group.length;
    };
    expect(sidecar.metrics.test_selection_rate_by_sex.female).toBeCloseTo(
      rate((r) => r.sex === 'female'),
      12,
    );
    expect(sidecar.metrics.test_selection_rate_by_age_group['<25']).toBeCloseTo(
      rate((r) => r.age_group === '<25'),
      12,
    );
  });
});

describe('demo plan (assay.yaml)', () => {
  const plan = Plan.parse(YAML.parse(readFileSync(path.join(DEMO, 'assay.yaml'), 'utf8')));

  it('parses with the Plan schema and names the demo files', () => {
    expect(plan.task).toBe('binary-classification');
    expect(plan.data).toMatchObject({
      path: 'german-credit.csv',
      id: 'row_id',
      filter: { column: 'split', in: ['test'] },
    });
    expect(plan.model).toMatchObject({
      type: 'onnx',
      path: 'german-credit-mlp.onnx',
      preprocessing: 'german-credit-mlp.json',
      output: { probabilities: 'probabilities', positiveIndex: 1 },
    });
    expect([plan.target, plan.positiveLabel, plan.classes, plan.sensitive]).toEqual([
      'credit',
      'good',
      ['bad', 'good'],
      ['sex', 'age_group'],
    ]);
    expect(plan.reference).toEqual({ sex: 'male', age_group: '>=25' });
    expect(plan.seed).toBe(42);
    expect(plan.tests.map((t) => t.id)).toEqual([
      'performance.classification',
      'fairness.classification',
      'explain.kernel_shap',
      'explain.permutation_importance',
      'explain.partial_dependence',
      'robustness.noise_stability',
      'robustness.hopskipjump',
    ]);
  });

  it("runs through Assay's ONNX adapter with the plan's model spec and gives the saved predictions", async () => {
    if (plan.model.type !== 'onnx') throw new Error('the demo model is an ONNX model');
    const model = await openOnnxModel(plan.model, { baseDir: DEMO, task: plan.task });
    try {
      if (model.input.kind !== 'tabular') throw new Error('the demo model is tabular');
      const features = model.input.features;
      expect(features.map((f) => f.name)).toEqual(ATTRIBUTES);
      // Raw features, as the adapter takes them: numeric values, category indexes.
      const x = new Float64Array(testRows.length * features.length);
      testRows.forEach((row, i) => {
        features.forEach((f, j) => {
          x[i * features.length + j] =
            f.kind === 'numeric' ? Number(row[f.name]) : f.categories.map(String).indexOf(row[f.name]);
        });
      });
      const { labels, proba } = await model.predict(x, testRows.length);
      const saved = readCsv('test-predictions.csv').rows;
      saved.forEach((r, i) => {
        expect(labels[i]).toBe(Number(r.y_pred));
        expect(Math.abs((proba?.[2 * i + 1] ?? Number.NaN) - Number(r.y_prob))).toBeLessThanOrEqual(1e-6);
      });
    } finally {
      await model.close();
    }
  });

  // Guards a real bug once found: DuckDB sniffed the yes/no column foreign_worker as BOOLEAN, so it reached the
  // model as 'true'/'false' (an unknown category). The loader now restricts CSV types to numbers and text.
  it("gives the saved predictions when Assay's own data loader reads the CSV (yes/no columns stay text)", async () => {
    if (plan.model.type !== 'onnx') throw new Error('the demo model is an ONNX model');
    const model = await openOnnxModel(plan.model, { baseDir: DEMO, task: plan.task });
    const db = await DataSession.open({ threads: 1 });
    try {
      if (model.input.kind !== 'tabular') throw new Error('the demo model is tabular');
      const features = model.input.features;
      const numeric = features.filter((f) => f.kind === 'numeric').map((f) => f.name);
      const other = [
        ...features.filter((f) => f.kind === 'categorical').map((f) => f.name),
        plan.target,
        ...plan.sensitive,
      ];
      const loaded = await loadData(db, plan, DEMO, { numeric, other });
      expect(loaded.rows).toBe(300);
      // foreign_worker holds yes/no: a loader that lets DuckDB sniff it as BOOLEAN would turn it into 'true'.
      const { n, x } = await readFeatureMatrix(db, features);
      const unknown = features.filter((_, j) => x[j] === -1).map((f) => f.name);
      expect(unknown, 'categories the loader did not recognise in the first row (BOOLEAN-sniffed yes/no?)').toEqual([]);
      expect(x.filter((v) => v === -1)).toHaveLength(0);
      const { labels, proba } = await model.predict(x, n);
      const saved = readCsv('test-predictions.csv').rows; // file order, like the session's rows
      saved.forEach((r, i) => {
        expect(labels[i]).toBe(Number(r.y_pred));
        expect(Math.abs((proba?.[2 * i + 1] ?? Number.NaN) - Number(r.y_prob))).toBeLessThanOrEqual(1e-6);
      });
    } finally {
      await model.close();
      db.close();
    }
  });

  it('refers only to columns that the CSV has', () => {
    const used = [
      plan.data.id,
      plan.data.filter?.column,
      plan.target,
      ...plan.sensitive,
      ...Object.keys(plan.reference ?? {}),
    ];
    for (const c of used) expect(data.header).toContain(c);
    const pdp = plan.tests.find((t) => t.id === 'explain.partial_dependence');
    const features = (pdp?.params.features ?? []) as string[];
    expect(features).toHaveLength(3);
    for (const f of features) expect(ATTRIBUTES).toContain(f);
  });
});

it('keeps the demo folder small (< 400 KB)', () => {
  const bytes = readdirSync(DEMO).reduce((sum, f) => sum + statSync(path.join(DEMO, f)).size, 0);
  expect(bytes).toBeLessThan(400 * 1024);
});
