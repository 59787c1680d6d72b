/**
 * The one model interface every adapter (onnx, http, predictions) implements.
 *
 * Models are queried with RAW feature rows, not with the encoded model input: a tabular batch is a
 * row-major Float64Array of n × d raw features, where numeric features hold their value and categorical
 * features hold the index of the category in the spec (−1 = unknown). Encoding (standardisation, one-hot)
 * happens inside the adapter. So explainers and attacks work on the features people know, and one-hot
 * groups stay valid by construction. Image batches are n × (C·H·W) floats in [0, 1].
 */

export interface NumericFeature {
  kind: 'numeric';
  name: string;
  integer?: boolean;
  immutable?: boolean;
  /** Bounds from the spec, if given (otherwise tests take them from the data). */
  min?: number;
  max?: number;
}

export interface CategoricalFeature {
  kind: 'categorical';
  name: string;
  categories: (string | number)[];
  immutable?: boolean;
}

export type FeatureInfo = NumericFeature | CategoricalFeature;

export type ModelInput =
  | { kind: 'tabular'; features: FeatureInfo[] }
  | { kind: 'image'; shape: [channels: number, height: number, width: number] };

export interface Prediction {
  /** Predicted class index (classification) as Int32Array, or predicted value (regression) as Float64Array. */
  labels: Int32Array | Float64Array;
  /** Row-major n × K class probabilities (classification), when the model gives them. */
  proba?: Float64Array;
}

export interface ModelIdentity {
  type: 'onnx' | 'http' | 'predictions';
  /** Path relative to the config, for file models. */
  path?: string;
  sha256?: string;
  /** Endpoint URL for HTTP models (no credentials). */
  endpoint?: string;
  /** Free-form facts (input/output names and shapes, opset …). */
  details?: Record<string, unknown>;
}

/**
 * An optional fast path an adapter may offer: its encoder and a predict on already-encoded rows. With it,
 * explainers encode rows and background once and build synthetic rows in the model's own input space, so the
 * model stays busy instead of the encoder. `predictEncoded(encode(x, n), n)` must equal `predict(x, n)`.
 */
export interface EncodedAccess {
  /** Width of an encoded row. */
  width: number;
  /** Encoded columns [start, end) of each raw feature, in `input.features` order. */
  columns: [number, number][];
  encode(raw: Float64Array, n: number): Float32Array;
  predictEncoded(x: Float32Array, n: number): Promise<Prediction>;
  /**
   * KernelSHAP's coalition values: for each of `count` coalition masks (count × width, 1 = take the row's
   * column), Σ_b weights[b] · f(mask ? row : background[b]) over the `nb` background rows — class
   * probabilities (count × K) for classifiers, the prediction (count × 1) for regression. The ONNX adapter
   * computes them without building the count·nb rows when it can (src/models/onnxMasked.ts): equal to
   * predictEncoded on those rows, averaged, up to float32 rounding.
   */
  expectMasked?(
    masks: Uint8Array,
    count: number,
    row: Float32Array,
    background: Float32Array,
    weights: Float64Array,
    nb: number,
  ): Promise<Float64Array>;
}

export interface Model {
  readonly identity: ModelIdentity;
  readonly input: ModelInput;
  /** Class labels in model output order (classification only). */
  readonly classes?: (string | number | boolean)[];
  /** Whether `predict` is available (false for the `predictions` adapter). */
  readonly canPredict: boolean;
  /**
   * Predict a batch of n rows (see the header comment for the layout). Batches of any size are accepted, and
   * concurrent calls are safe (each call owns its buffers).
   */
  predict(x: Float64Array, n: number): Promise<Prediction>;
  /**
   * Classifiers may also offer the class indexes alone (what attacks ask for, millions of times): equal to
   * `predict(x, n).labels`, without building the probabilities.
   */
  predictLabels?(x: Float64Array, n: number): Promise<Int32Array>;
  /** The encoded fast path, when the adapter has one (tabular ONNX models). */
  readonly encoded?: EncodedAccess;
  /** Release native resources. */
  close(): Promise<void>;
}
