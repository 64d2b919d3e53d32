import { Linear, ReLU, Sequential } from '@nabla/layers';
import { argmax, createRng, type Rng, type Tensor } from '@nabla/tensor';

/** Pixels per MNIST image (28 × 28) and the number of classes. */
export const INPUTS = 784;
export const CLASSES = 10;

/** The demo's network: Linear(784→H) → ReLU → Linear(H→10); parameters 0.weight … 2.bias. */
export interface Mlp {
  readonly hidden: number;
  readonly net: Sequential<'float32'>;
}

/** A freshly initialised network (He-normal weights drawn from `rng`, zero biases). */
export function createMlp(hidden: number, rng: Rng = createRng(0)): Mlp {
  const net = new Sequential<'float32'>(
    new Linear(INPUTS, hidden, { rng }),
    new ReLU(),
    new Linear(hidden, CLASSES, { rng }),
  );
  return { hidden, net };
}

/** Logits [n, 10] of a batch [n, 784] in evaluation mode (a buffer the network reuses). */
export function logits(model: Mlp, x: Tensor<'float32'>): Tensor<'float32'> {
  return model.net.forward(x, { training: false });
}

/** The predicted class of each row of `x`. */
export function predictClasses(model: Mlp, x: Tensor<'float32'>): Int32Array {
  const out = argmax(logits(model, x), { axis: 1 });
  return Int32Array.from(out.data);
}

/**
 * Undefined when every value of every tensor is finite; otherwise a short description of the
 * first tensor that is not: its name, how many values are NaN or infinite, and the first index.
 */
export function nonFiniteReport(
  tensors: Readonly<Record<string, Tensor<'float32'>>>,
): string | undefined {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    let count = 0;
    let first = -1;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i] as number)) {
        if (first < 0) first = i;
        count++;
      }
    }
    if (count > 0) {
      return `${count} of the ${d.length} values of "${name}" are NaN or infinite (the first at index ${first}: ${d[first]})`;
    }
  }
  return undefined;
}
