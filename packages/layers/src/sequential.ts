import type { FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { renameParameter } from '@nabla/tensor';
import type {
  BackwardOptions,
  ForwardContext,
  Layer,
  LayerBuffer,
  TensorStateDict,
} from './layer.js';
import { Linear } from './linear.js';
import { ReLU } from './relu.js';
import { checkStateDict } from './state-dict.js';

/**
 * A chain of layers: forward runs them in order, backward in reverse, each layer's backward
 * receiving the gradient its successor returned. Parameters are those of the layers in order,
 * named `<index>.<name>` (`0.weight`, `0.bias`, `2.weight`, …; nested: `1.0.weight`).
 *
 * A layer instance may appear only once: each layer keeps what its last forward cached, so
 * sharing one between two positions would corrupt its backward.
 *
 * A `Linear` (with a bias) followed by a `ReLU` that is not the last layer runs as one product
 * with the bias and ReLU in its epilogue, and in backward the ReLU's mask is applied in the next
 * Linear's ∂L/∂X product: the same values as running the layers one by one (the hidden activations
 * hold −0 instead of +0 where the ReLU's input was negative), with two passes over the activations
 * fewer.
 */
export class Sequential<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name = 'Sequential';
  readonly layers: readonly Layer<D>[];

  constructor(...layers: Layer<D>[]) {
    layers.forEach((layer, i) => {
      if (
        layer === null ||
        typeof layer !== 'object' ||
        typeof layer.forward !== 'function' ||
        typeof layer.backward !== 'function'
      ) {
        throw new TypeError(
          `Sequential: argument ${i} is not a layer (needs forward, backward, parameters, stateDict, loadStateDict)`,
        );
      }
      const first = layers.indexOf(layer);
      if (first !== i) {
        throw new Error(
          `Sequential: the same ${layer.name} instance is at positions ${first} and ${i}; create a separate layer for each position`,
        );
      }
    });
    this.layers = Object.freeze(layers.slice());
  }

  forward(x: Tensor<D>, ctx: ForwardContext): Tensor<D> {
    let h = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i] as Layer<D>;
      const next = layers[i + 1];
      try {
        if (i + 2 < layers.length && fusable(layer, next)) {
          h = (layer as Linear<D>).forwardRelu(h, ctx);
          (next as ReLU<D>).adoptFusedOutput(h);
          i++;
        } else {
          h = layer.forward(h, ctx);
        }
      } catch (e) {
        throw locate(e, i, 'forward');
      }
    }
    return h;
  }

  /**
   * Runs each layer's backward in reverse order. `options.accumulate` reaches every layer;
   * `options.inputGrad` only the first one (the others must return their input gradient, which
   * the layer before them consumes).
   */
  backward(gradOut: Tensor<D>, options?: BackwardOptions): Tensor<D> {
    let g = gradOut;
    // Every layer but the first must return its input gradient: the layer before consumes it.
    const inner: BackwardOptions = { accumulate: options?.accumulate === true, inputGrad: true };
    const layers = this.layers;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i] as Layer<D>;
      const before = layers[i - 1];
      try {
        const relu = before instanceof ReLU ? before.fusedOutput : undefined;
        if (relu !== undefined && layer.constructor === Linear) {
          // This Linear's ∂L/∂X goes straight through the fused ReLU before it.
          g = (layer as Linear<D>).backwardThroughRelu(g, relu as Tensor<D>, inner);
          i--;
        } else {
          g = layer.backward(g, i === 0 ? options : inner);
        }
      } catch (e) {
        throw locate(e, i, 'backward');
      }
    }
    return g;
  }

  parameters(): readonly Parameter<D>[] {
    const out: Parameter<D>[] = [];
    this.layers.forEach((layer, i) => {
      for (const p of layer.parameters()) out.push(renameParameter(p, `${i}.${p.name}`));
    });
    return out;
  }

  /** The layers' buffers (running statistics) in order, named `<index>.<name>`. */
  buffers(): readonly LayerBuffer<D>[] {
    const out: LayerBuffer<D>[] = [];
    this.layers.forEach((layer, i) => {
      for (const b of layer.buffers?.() ?? []) out.push({ name: `${i}.${b.name}`, value: b.value });
    });
    return out;
  }

  stateDict(): TensorStateDict<D> {
    const state: Record<string, Tensor<D>> = {};
    this.layers.forEach((layer, i) => {
      for (const [key, value] of Object.entries(layer.stateDict())) state[`${i}.${key}`] = value;
    });
    return state;
  }

  /** Checks every key with its full dotted name, then routes `<index>.<name>` to the layers; all or nothing. */
  loadStateDict(state: TensorStateDict): void {
    checkStateDict(this.name, this.stateDict(), state);
    const parts: Record<string, Tensor>[] = this.layers.map(() => ({}));
    for (const [key, value] of Object.entries(state)) {
      const dot = key.indexOf('.');
      const index = dot > 0 ? Number(key.slice(0, dot)) : Number.NaN;
      const part =
        Number.isInteger(index) && String(index) === key.slice(0, dot) ? parts[index] : undefined;
      if (part === undefined) {
        throw new RangeError(
          `Sequential.loadStateDict: unexpected key "${key}" (keys are "<layer index>.<name>" for ${this.layers.length} layers)`,
        );
      }
      part[key.slice(dot + 1)] = value;
    }
    // Load layer by layer; if one rejects its part, restore the layers already loaded so that a
    // bad state leaves the model as it was.
    const backup = this.layers.map((layer) => layer.stateDict());
    for (let i = 0; i < this.layers.length; i++) {
      try {
        (this.layers[i] as Layer<D>).loadStateDict(parts[i] as TensorStateDict);
      } catch (e) {
        for (let j = 0; j < i; j++)
          (this.layers[j] as Layer<D>).loadStateDict(backup[j] as TensorStateDict);
        throw locate(e, i, 'loadStateDict');
      }
    }
  }
}

/** Prefixes an error from layer `i` with its position, keeping its type. */
function locate(e: unknown, i: number, phase: string): unknown {
  if (e instanceof Error) e.message = `Sequential layer ${i} (${phase}): ${e.message}`;
  return e;
}

/** Whether `layer` → `next` is a Linear with a bias followed by a ReLU (exact classes). */
function fusable<D extends FloatDType>(layer: Layer<D>, next: Layer<D> | undefined): boolean {
  return (
    layer.constructor === Linear &&
    (layer as Linear<D>).bias !== undefined &&
    next !== undefined &&
    next.constructor === ReLU
  );
}
