/** The commented starter config `assay init` writes. A test checks it parses with the Plan schema. */
export const STARTER_CONFIG = `# yaml-language-server: $schema=./node_modules/assay/schema/assay.schema.json
# Assay assessment plan. Paths are relative to this file. Full reference: schema/assay.schema.json.
version: 1
name: My model assessment
task: binary-classification        # binary-classification | multiclass-classification | regression
seed: 42                            # same seed + same inputs => identical results.json

data:
  path: data.csv                    # CSV, CSV.gz, Parquet or JSON/NDJSON
  id: row_id                        # optional unique id column (default: row number)
  # filter: { column: split, in: [test] }   # assess only some rows
  nulls: error                      # error (default) | drop (the count dropped is recorded)

target: label                       # ground-truth column
positiveLabel: "1"                  # binary: the favourable outcome
# classes: ["0", "1"]               # declared labels (default: the model's, else the data's)
sensitive: [sex]                    # one or more; several mean intersectional groups
# reference: { sex: male }          # optional privileged group (AIF360-style comparisons)
# weight: w                         # optional sample-weight column

model:
  # An ONNX model with its preprocessing (raw columns -> model input):
  type: onnx
  path: model.onnx
  preprocessing:                    # or a path to a sidecar JSON with a "columns" array
    columns:
      - { type: numeric, name: age, mean: 35.5, std: 11.4 }
      - { type: categorical, name: sex, categories: [female, male] }
  output: { probabilities: probabilities, positiveIndex: 1 }
  classes: ["0", "1"]
  # A model behind an HTTP endpoint instead:
  # type: http
  # url: http://127.0.0.1:8080/predict
  # auth: { env: MODEL_API_KEY }    # the secret is read from the environment, never written out
  # response: { labels: predictions, scores: scores }
  # Precomputed predictions (no model; scales to any size):
  # type: predictions
  # label: y_pred
  # score: y_prob

tests:
  - id: performance.classification
    thresholds: { accuracy: ">= 0.7" }
  - id: fairness.classification
    thresholds: { demographic_parity_ratio: ">= 0.8" }

# processChecks: { path: process-checks.yaml }   # answers to the AI Verify process checks (assay checklist)
output: assay-out
`;
