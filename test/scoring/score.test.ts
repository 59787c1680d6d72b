import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Plan, type PlanInput } from '../../src/config/schema.js';
import { DataSession, lit } from '../../src/data/session.js';
import { openModel } from '../../src/models/open.js';
import { scoreAll } from '../../src/scoring/score.js';
import { REPO_ROOT } from '../support/shared.js';
import { fixture, savedByDataOrder, sessionFromCsv } from '../models/helpers.js';
import { expectAssayError } from '../support/errors.js';

const fr = Math.fround;

function plan(p: Omit<PlanInput, 'data'> & { data?: PlanInput['data'] }): Plan {
  return Plan.parse({ data: { path: 'unused.csv' }, ...p });
}

/** The test model whose probabilities are [sqrt(a), sqrt(b)] (test/fixtures/models/sqrt_probs.onnx) over columns a, b. */
async function sqrtProbs() {
  const p = plan({
    task: 'binary-classification',
    target: 'a',
    features: ['a', 'b'],
    model: { type: 'onnx', path: 'sqrt_probs.onnx' },
  });
  return { p, model: await openModel(p, path.join(REPO_ROOT, 'test/fixtures/models')) };
}

const germanPlan = (): Plan =>
  plan({
    task: 'binary-classification',
    target: 'class',
    model: { type: 'onnx', path: 'german_credit_mlp.onnx', preprocessing: 'german_credit_mlp.json' },
  });

describe('scoreAll with the german credit ONNX model', () => {
  let db: DataSession;
  beforeAll(async () => {
    db = await sessionFromCsv(fixture('german_credit', 'german_credit.csv'), { split: 'test', idColumn: 'row_id' });
  });
  afterAll(() => db?.close());

  it('writes 300 predictions equal to the saved ones, with progress per batch', async () => {
    const p = germanPlan();
    const model = await openModel(p, fixture('german_credit'));
    const progress: [number, number][] = [];
    const { rows } = await scoreAll(db, model, p, {
      classes: ['bad', 'good'],
      batchRows: 128,
      progress: (d, t) => progress.push([d, t]),
    });
    await model.close();
    expect(rows).toBe(300);
    expect(progress).toEqual([
      [128, 300],
      [256, 300],
      [300, 300],
    ]);
    const cols = await db.describe('predictions');
    expect(cols).toEqual([
      { name: '__row_id', type: 'BIGINT' },
      { name: 'y_pred', type: 'INTEGER' },
      { name: 'y_score', type: 'DOUBLE' },
    ]);
    const { cols: got, n } = await db.readDoubles(
      'SELECT p.__row_id, p.y_pred, p.y_score FROM predictions p JOIN data d USING (__row_id) ORDER BY d.__i',
    );
    expect(n).toBe(300);
    const [yPred, yProb] = await savedByDataOrder(db, fixture('german_credit', 'test_predictions.csv'), [
      'y_pred',
      'y_prob',
    ]);
    const ids = await db.readDoubles('SELECT row_id::DOUBLE FROM data ORDER BY __i');
    let maxDiff = 0;
    for (let i = 0; i < n; i++) {
      expect(got[0][i]).toBe(ids.cols[0][i]);
      expect(got[1][i]).toBe(yPred[i]);
      maxDiff = Math.max(maxDiff, Math.abs(got[2][i] - fr(yProb[i])));
    }
    expect(maxDiff).toBeLessThanOrEqual(1.2e-7);
  });

  it('maps model class order to the run order by label (run classes [good, bad] → positive = bad)', async () => {
    const p = germanPlan();
    const model = await openModel(p, fixture('german_credit'));
    await scoreAll(db, model, p, { classes: ['good', 'bad'] });
    await model.close();
    const { cols } = await db.readDoubles(
      'SELECT p.y_pred, p.y_score FROM predictions p JOIN data d USING (__row_id) ORDER BY d.__i',
    );
    const [yPred, yProb] = await savedByDataOrder(db, fixture('german_credit', 'test_predictions.csv'), [
      'y_pred',
      'y_prob',
    ]);
    for (let i = 0; i < 300; i++) {
      expect(cols[0][i]).toBe(1 - yPred[i]);
      expect(Math.abs(cols[1][i] - (1 - fr(yProb[i])))).toBeLessThanOrEqual(2.5e-7);
    }
  });

  it('a model class missing from the run classes → UNKNOWN_LABEL', async () => {
    const p = germanPlan();
    const model = await openModel(p, fixture('german_credit'));
    await expectAssayError(scoreAll(db, model, p, { classes: ['good', 'poor'] }), 'UNKNOWN_LABEL', "'bad'");
    await model.close();
  });
});

describe('scoreAll: regression, images, non-finite outputs', () => {
  it('diabetes regressor: y_pred DOUBLE equal to the saved predictions, y_score NULL', async () => {
    const db = await sessionFromCsv(fixture('diabetes', 'diabetes.csv'), { split: 'test', idColumn: 'row_id' });
    const p = plan({
      task: 'regression',
      target: 'target',
      model: { type: 'onnx', path: 'diabetes_mlp.onnx', preprocessing: 'diabetes_mlp.json' },
    });
    const model = await openModel(p, fixture('diabetes'));
    await scoreAll(db, model, p, { classes: [] });
    await model.close();
    expect((await db.describe('predictions')).map((c) => c.type)).toEqual(['BIGINT', 'DOUBLE', 'DOUBLE']);
    expect(await db.scalar('SELECT count(*) FROM predictions WHERE y_score IS NOT NULL')).toBe(0n);
    const { cols } = await db.readDoubles(
      'SELECT p.y_pred FROM predictions p JOIN data d USING (__row_id) ORDER BY d.__i',
    );
    const [yPred] = await savedByDataOrder(db, fixture('diabetes', 'test_predictions.csv'), ['y_pred']);
    for (let i = 0; i < 111; i++) expect(cols[0][i]).toBe(fr(yPred[i]));
    db.close();
  });

  it('digits CNN through imageTensor: y_pred and p_0..p_9 equal the saved ones', async () => {
    const db = await DataSession.open({ threads: 1 });
    const csv = fixture('digits', 'test_predictions.csv');
    await db.exec(
      `CREATE TABLE data AS SELECT *, (row_number() OVER () - 1)::BIGINT AS __row_id, (row_number() OVER () - 1)::INTEGER AS __i FROM read_csv(${lit(csv)}, header = true)`,
    );
    const files = (await db.rows('SELECT file FROM data ORDER BY __i')).map((r) => String(r[0]));
    const pixels = new Float64Array(files.length * 64);
    files.forEach((f, i) => {
      const png = PNG.sync.read(readFileSync(path.join(fixture('digits'), f)));
      for (let k = 0; k < 64; k++) pixels[i * 64 + k] = png.data[k * 4] / 255;
    });
    const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const p = plan({
      task: 'multiclass-classification',
      target: 'y_true',
      model: { type: 'onnx', path: 'digits_cnn.onnx', image: { shape: [1, 8, 8] }, classes },
    });
    const model = await openModel(p, fixture('digits'));
    await scoreAll(db, model, p, {
      classes,
      batchRows: 64,
      imageTensor: async (s, c) => pixels.subarray(s * 64, (s + c) * 64),
    });
    await model.close();
    const probs = classes.map((_, k) => `p.p_${k}`).join(', ');
    const saved = classes.map((_, k) => `d.prob_${k}::DOUBLE`).join(', ');
    const { cols, n } = await db.readDoubles(
      `SELECT p.y_pred, d.y_pred, ${probs}, ${saved} FROM predictions p JOIN data d USING (__row_id) ORDER BY d.__i`,
    );
    expect(n).toBe(200);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) {
      expect(cols[0][i]).toBe(cols[1][i]);
      for (let k = 0; k < 10; k++) maxDiff = Math.max(maxDiff, Math.abs(cols[2 + k][i] - fr(cols[12 + k][i])));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    db.close();
  });

  it('250k rows (past the appender flush size) stream through with every row id exactly once', async () => {
    const db = await DataSession.open({ threads: 2 });
    await db.exec(
      'CREATE TABLE data AS SELECT (range % 100) / 100.0 AS a, 0.5 AS b, (range * 3 + 7)::BIGINT AS __row_id, range::INTEGER AS __i FROM range(250000)',
    );
    const { p, model } = await sqrtProbs();
    const { rows } = await scoreAll(db, model, p, { classes: ['n', 'y'] });
    await model.close();
    expect(rows).toBe(250000);
    // probabilities = [sqrt(a), sqrt(b)]: class 0 when sqrt(a) >= sqrt(0.5) (a tie goes to the lowest index).
    const check = await db.rows(
      `SELECT count(*), count(DISTINCT p.__row_id),
              sum(CASE WHEN p.y_pred = (CASE WHEN d.a >= 0.5 THEN 0 ELSE 1 END) THEN 1 ELSE 0 END),
              max(abs(p.y_score - ${Math.fround(Math.sqrt(0.5))}))
         FROM predictions p JOIN data d USING (__row_id)`,
    );
    expect(check[0].slice(0, 3)).toEqual([250000n, 250000n, 250000n]);
    expect(check[0][3]).toBeLessThanOrEqual(6e-8);
    db.close();
  });

  it('NaN from a real model → MODEL_OUTPUT_INVALID naming the row', async () => {
    const db = await DataSession.open({ threads: 1 });
    await db.exec(
      'CREATE TABLE data AS SELECT * FROM (VALUES (0.25, 0.5, 10::BIGINT, 0), (-1.0, 0.5, 11::BIGINT, 1)) t(a, b, __row_id, __i)',
    );
    const { p, model } = await sqrtProbs();
    await expectAssayError(
      scoreAll(db, model, p, { classes: ['n', 'y'] }),
      'MODEL_OUTPUT_INVALID',
      'NaN',
      'data row id 11',
    );
    await model.close();
    db.close();
  });
});

describe('scoreAll with the predictions adapter (no model)', () => {
  let db: DataSession;
  beforeAll(async () => {
    db = await DataSession.open({ threads: 1 });
    const csv = fixture('german_credit', 'test_predictions.csv');
    await db.exec(
      `CREATE TABLE data AS SELECT *, row_id::BIGINT AS __row_id, (row_number() OVER () - 1)::INTEGER AS __i FROM read_csv(${lit(csv)}, header = true)`,
    );
  });
  afterAll(() => db?.close());

  const predPlan = (extra: Record<string, unknown> = {}): Plan =>
    plan({
      task: 'binary-classification',
      target: 'y_true',
      model: { type: 'predictions', label: 'y_pred', score: 'y_prob', ...extra },
    });

  it('builds the predictions table in SQL from the label and score columns', async () => {
    const p = predPlan();
    const model = await openModel(p, '.');
    expect(model.canPredict).toBe(false);
    await expectAssayError(model.predict(new Float64Array(0), 0), 'MODEL_UNAVAILABLE', 'needs a model');
    const { rows } = await scoreAll(db, model, p, { classes: ['0', '1'] });
    expect(rows).toBe(300);
    const diff = await db.rows(
      'SELECT count(*) FROM predictions p JOIN data d USING (__row_id) WHERE p.y_pred <> d.y_pred OR p.y_score <> d.y_prob',
    );
    expect(diff[0][0]).toBe(0n);
    expect((await db.describe('predictions')).map((c) => c.type)).toEqual(['BIGINT', 'INTEGER', 'DOUBLE']);
  });

  it('labels matched as text: run classes [1, 0] flip the codes', async () => {
    const p = predPlan();
    await scoreAll(db, await openModel(p, '.'), p, { classes: ['1', '0'] });
    const same = await db.scalar(
      'SELECT count(*) FROM predictions p JOIN data d USING (__row_id) WHERE p.y_pred = 1 - d.y_pred',
    );
    expect(same).toBe(300n);
  });

  it('probability columns follow the plan classes order; y_score is the positive class column', async () => {
    await db.exec('CREATE OR REPLACE TABLE data2 AS SELECT *, y_prob AS p_one, 1 - y_prob AS p_zero FROM data');
    await db.exec('ALTER TABLE data RENAME TO good');
    await db.exec('ALTER TABLE data2 RENAME TO data');
    try {
      // plan classes [1, 0] → columns [p_one, p_zero]; the run puts the positive label '1' at index 1.
      const p = plan({
        task: 'binary-classification',
        target: 'y_true',
        classes: [1, 0],
        positiveLabel: 1,
        model: { type: 'predictions', label: 'y_pred', probabilities: ['p_one', 'p_zero'] },
      });
      await scoreAll(db, await openModel(p, '.'), p, { classes: ['0', '1'] });
      const diff = await db.scalar(
        'SELECT count(*) FROM predictions p JOIN data d USING (__row_id) WHERE p.y_score <> d.y_prob OR p.y_pred <> d.y_pred',
      );
      expect(diff).toBe(0n);
    } finally {
      await db.exec('DROP TABLE data');
      await db.exec('ALTER TABLE good RENAME TO data');
    }
  });

  it('a label outside the classes → UNKNOWN_LABEL with column, row id and value', async () => {
    await db.exec(
      "CREATE OR REPLACE TABLE bad AS SELECT * REPLACE (CASE WHEN row_id = 157 THEN 'maybe' ELSE y_pred::VARCHAR END AS y_pred) FROM data",
    );
    await db.exec('ALTER TABLE data RENAME TO good');
    await db.exec('ALTER TABLE bad RENAME TO data');
    try {
      const p = predPlan();
      await expectAssayError(
        scoreAll(db, await openModel(p, '.'), p, { classes: ['0', '1'] }),
        'UNKNOWN_LABEL',
        "column 'y_pred'",
        'row 157',
        "'maybe'",
      );
    } finally {
      await db.exec('DROP TABLE data');
      await db.exec('ALTER TABLE good RENAME TO data');
    }
  });

  it('NaN / Inf in the score column → NON_FINITE, values outside [0, 1] → MODEL_OUTPUT_INVALID (first row named)', async () => {
    const cases: [string, string, string][] = [
      ["'NaN'::DOUBLE", 'NON_FINITE', 'nan'],
      ["'Infinity'::DOUBLE", 'NON_FINITE', 'inf'],
      ['1.5', 'MODEL_OUTPUT_INVALID', '1.5'],
      ['-0.1', 'MODEL_OUTPUT_INVALID', '-0.1'],
    ];
    for (const [value, code, text] of cases) {
      await db.exec(
        `CREATE OR REPLACE TABLE data2 AS SELECT * REPLACE (CASE WHEN row_id IN (157, 80) THEN ${value} ELSE y_prob END AS y_prob) FROM data`,
      );
      await db.exec('ALTER TABLE data RENAME TO good');
      await db.exec('ALTER TABLE data2 RENAME TO data');
      try {
        const p = predPlan();
        // row 80 comes first in file order
        await expectAssayError(
          scoreAll(db, await openModel(p, '.'), p, { classes: ['0', '1'] }),
          code,
          "column 'y_prob'",
          'row 80',
        );
        await expectAssayError(scoreAll(db, await openModel(p, '.'), p, { classes: ['0', '1'] }), code, text);
      } finally {
        await db.exec('DROP TABLE data');
        await db.exec('ALTER TABLE good RENAME TO data');
      }
    }
  });
});

describe('scoreAll with the predictions adapter, multiclass', () => {
  it('digits: y_pred codes and p_0..p_9 copied from the probability columns', async () => {
    const db = await DataSession.open({ threads: 1 });
    const csv = fixture('digits', 'test_predictions.csv');
    await db.exec(
      `CREATE TABLE data AS SELECT *, (row_number() OVER () - 1)::BIGINT AS __row_id, (row_number() OVER () - 1)::INTEGER AS __i FROM read_csv(${lit(csv)}, header = true)`,
    );
    const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const p = plan({
      task: 'multiclass-classification',
      target: 'y_true',
      classes,
      model: { type: 'predictions', label: 'y_pred', probabilities: classes.map((c) => `prob_${c}`) },
    });
    const { rows } = await scoreAll(db, await openModel(p, '.'), p, { classes });
    expect(rows).toBe(200);
    const mismatch = classes.map((c) => `p.p_${c} <> d.prob_${c}`).join(' OR ');
    const diff = await db.scalar(
      `SELECT count(*) FROM predictions p JOIN data d USING (__row_id) WHERE p.y_pred <> d.y_pred OR ${mismatch}`,
    );
    expect(diff).toBe(0n);
    expect((await db.describe('predictions')).length).toBe(13);
    db.close();
  });
});
