import type { Tensor } from '@nabla/tensor';
import { assertMatrix, checkClassTarget } from './checks.js';
import type { ClassTarget } from './loss.js';

/**
 * The fraction of rows of `scores` ([m, C] logits or probabilities) whose largest entry is at
 * the target class (int32 labels [m], or the largest entry of one-hot/probability rows). Ties
 * go to the lowest index.
 */
export function accuracy(scores: Tensor, target: ClassTarget): number {
  assertMatrix('accuracy', 'scores', scores);
  const m = scores.shape[0] as number;
  const c = scores.shape[1] as number;
  const isLabels = checkClassTarget('accuracy', target, m, c, scores.shape);
  let correct = 0;
  for (let i = 0; i < m; i++) {
    const want = isLabels ? (target.data[i] as number) : argmaxRow(target.data, i * c, c);
    if (argmaxRow(scores.data, i * c, c) === want) correct++;
  }
  return correct / m;
}

function argmaxRow(d: ArrayLike<number>, start: number, c: number): number {
  let best = 0;
  let bestValue = d[start] as number;
  for (let j = 1; j < c; j++) {
    const v = d[start + j] as number;
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}
