import type { Optimizer, OptimizerFactory, Parameter } from '@nabla/tensor';
import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import {
  builtinOptimizerNames,
  getOptimizerFactory,
  loadOptimizerFactory,
  optimizerFactories,
} from './registry.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

function quadratic(): Parameter[] {
  return [createParameter('w', new Tensor('float64', Float64Array.of(2, -3, 1), [3]))];
}

/** A training loop that knows only the Optimizer contract: minimise ½‖w − 1‖². */
function train(factory: OptimizerFactory, lr: number, steps: number): number {
  const params = quadratic();
  const optimizer: Optimizer = factory(params, { lr });
  const w = params[0]!;
  const loss = () => {
    let sum = 0;
    for (const x of w.value.data) sum += 0.5 * (x - 1) ** 2;
    return sum;
  };
  for (let t = 0; t < steps; t++) {
    w.value.data.forEach((x, j) => {
      w.grad.data[j] = x - 1;
    });
    optimizer.step();
  }
  return loss();
}

describe('optimizerFactories', () => {
  it('lists the built-ins in a stable order', () => {
    expect(builtinOptimizerNames).toEqual([
      'sgd',
      'momentum',
      'nesterov',
      'adam',
      'adamw',
      'rmsprop',
      'adagrad',
    ]);
  });

  it('builds each built-in with its defaults', () => {
    const built = builtinOptimizerNames.map((name) => optimizerFactories[name](quadratic()));
    expect(built.map((o) => o.constructor)).toEqual([SGD, SGD, SGD, Adam, AdamW, RMSprop, Adagrad]);
    expect(built.map((o) => o.lr)).toEqual([0.01, 0.01, 0.01, 1e-3, 1e-3, 1e-2, 1e-2]);
    const [sgd, momentum, nesterov] = built as SGD[];
    expect(sgd!.hyperparameters).toMatchObject({ momentum: 0, nesterov: false });
    expect(momentum!.hyperparameters).toMatchObject({ momentum: 0.9, nesterov: false });
    expect(nesterov!.hyperparameters).toMatchObject({ momentum: 0.9, nesterov: true });
    const custom = optimizerFactories.nesterov(quadratic(), { momentum: 0.5 });
    expect(custom.hyperparameters).toMatchObject({ momentum: 0.5, nesterov: true });
  });

  it('lets one loop train with any of them by name', () => {
    const start = 0.5 * (1 + 16 + 0);
    for (const name of builtinOptimizerNames) {
      const lr = name === 'adagrad' ? 1 : 0.1;
      expect(train(getOptimizerFactory(name), lr, 200), name).toBeLessThan(start / 10);
    }
  });

  it('names the built-ins when given an unknown name', () => {
    expect(() => getOptimizerFactory('adamm')).toThrow(
      'unknown optimizer "adamm": the built-in ones are sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad',
    );
  });
});

describe('loadOptimizerFactory', () => {
  const signSGD: OptimizerFactory = (parameters, options) => ({
    parameters,
    lr: options?.lr ?? 0.01,
    step() {
      for (const p of parameters) {
        p.value.data.forEach((x, j) => {
          p.value.data[j] = x - this.lr * Math.sign(p.grad.data[j] as number);
        });
      }
    },
    stateDict: () => ({}),
    loadStateDict() {},
  });

  it('resolves a built-in name without importing anything', async () => {
    const factory = await loadOptimizerFactory('adam', {
      importer: () => Promise.reject(new Error('should not import')),
    });
    expect(factory).toBe(optimizerFactories.adam);
  });

  it('imports any other name and takes its createOptimizer export (ESM or CommonJS)', async () => {
    const seen: string[] = [];
    const esm = await loadOptimizerFactory('nabla-optimizer-sign', {
      importer: async (s) => {
        seen.push(s);
        return { createOptimizer: signSGD };
      },
    });
    expect(seen).toEqual(['nabla-optimizer-sign']);
    expect(esm).toBe(signSGD);
    const cjs = await loadOptimizerFactory('cjs-optimizer', {
      importer: async () => ({ default: { createOptimizer: signSGD } }),
    });
    expect(cjs).toBe(signSGD);
    expect(train(esm, 0.05, 100)).toBeLessThan(0.1);
  });

  it('explains a package without createOptimizer, or one that cannot be imported', async () => {
    await expect(
      loadOptimizerFactory('left-pad', { importer: async () => ({ leftPad: () => '' }) }),
    ).rejects.toThrow(
      'optimizer package "left-pad" does not export a createOptimizer function (its exports: leftPad)',
    );
    await expect(
      loadOptimizerFactory('no-such-package', {
        importer: () => Promise.reject(new Error("Cannot find package 'no-such-package'")),
      }),
    ).rejects.toThrow(
      /cannot load optimizer "no-such-package": it is not a built-in optimizer \(sgd, .*\) and importing it as a package failed: Cannot find package 'no-such-package'/,
    );
    await expect(loadOptimizerFactory('')).rejects.toThrow(/expected an optimizer name/);
  });

  it('imports with a real dynamic import() by default', async () => {
    await expect(loadOptimizerFactory('@nabla/no-such-optimizer-package')).rejects.toThrow(
      /cannot load optimizer "@nabla\/no-such-optimizer-package"/,
    );
  });
});
