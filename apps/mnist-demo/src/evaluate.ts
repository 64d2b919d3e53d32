import { DataLoader, type MnistBatch, type MnistDataset } from '@nabla/data';
import { CLASSES, type DemoModel, predictClasses } from './model.js';

/** How a model does on a data set: accuracy, the confusion matrix and per-class accuracy. */
export interface Evaluation {
  /** Correct predictions / samples. */
  accuracy: number;
  samples: number;
  /** confusion[t][p]: samples of true class t predicted as p. */
  confusion: number[][];
  /** Per true class: correct / samples of that class (NaN for a class with no samples). */
  perClass: number[];
}

/** The evaluation that counting `(label, prediction)` pairs gives. */
export function summarize(labels: ArrayLike<number>, predictions: ArrayLike<number>): Evaluation {
  if (labels.length !== predictions.length) {
    throw new RangeError(
      `summarize: ${labels.length} labels but ${predictions.length} predictions`,
    );
  }
  const confusion = Array.from({ length: CLASSES }, () => new Array<number>(CLASSES).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i] as number;
    const p = predictions[i] as number;
    const row = confusion[t];
    if (row === undefined || p < 0 || p >= CLASSES) {
      throw new RangeError(
        `summarize: label ${t} or prediction ${p} at ${i} is outside 0–${CLASSES - 1}`,
      );
    }
    row[p] = (row[p] as number) + 1;
    if (t === p) correct++;
  }
  const perClass = confusion.map((row, t) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? Number.NaN : (row[t] as number) / n;
  });
  return {
    accuracy: labels.length === 0 ? Number.NaN : correct / labels.length,
    samples: labels.length,
    confusion,
    perClass,
  };
}

/** Predicts every item of `dataset` in batches (evaluation mode) and summarizes. */
export function evaluate(model: DemoModel, dataset: MnistDataset, batchSize = 1000): Evaluation {
  const labels = new Int32Array(dataset.length);
  const predictions = new Int32Array(dataset.length);
  const loader = new DataLoader<MnistBatch>(dataset, { batchSize });
  let at = 0;
  for (const { x, y } of loader) {
    predictions.set(predictClasses(model, x), at);
    labels.set(y.data, at);
    at += y.size;
  }
  return summarize(labels, predictions);
}

/** The confusion matrix and per-class accuracy as a text table. */
export function formatEvaluation(e: Evaluation): string {
  const pad = (s: string | number, w: number): string => String(s).padStart(w);
  const w = Math.max(5, ...e.confusion.flat().map((v) => String(v).length + 1));
  const lines = [
    `Confusion matrix (rows: true digit, columns: predicted), ${e.samples} samples:`,
    `${pad('', 5)}${Array.from({ length: CLASSES }, (_, c) => pad(c, w)).join('')}${pad('acc', 9)}`,
  ];
  e.confusion.forEach((row, t) => {
    const acc = e.perClass[t] as number;
    lines.push(
      `${pad(t, 5)}${row.map((v) => pad(v, w)).join('')}${pad(Number.isNaN(acc) ? '-' : `${(100 * acc).toFixed(2)}%`, 9)}`,
    );
  });
  lines.push(`Test accuracy: ${(100 * e.accuracy).toFixed(2)}%`);
  return lines.join('\n');
}
