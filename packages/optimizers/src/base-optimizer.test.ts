import type { FloatArray, Parameter, StateDict } from '@nabla/tensor';
import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { BaseOptimizer, type ParameterBuffers } from './base-optimizer.js';
import { SGD } from './sgd.js';

function twoParams(): Parameter[] {
  return [
    createParameter('fc.weight', new Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3])),
    createParameter('fc.bias', new Tensor('float64', Float64Array.of(0.5, -0.5), [2])),
  ];
}

function fillGrads(params: readonly Parameter[], t: number): void {
  for (const p of params) {
    for (let j = 0; j < p.grad.data.length; j++) p.grad.data[j] = Math.cos(t + j);
  }
}

/** A minimal rule on the base that records which buffer arrays it was handed. */
class Recorder extends BaseOptimizer<{ readonly decay: number }> {
  seen: FloatArray[] = [];
  constructor(parameters: readonly Parameter[]) {
    super('Recorder', parameters, 0.1, { decay: 0.5 });
  }
  protected bufferNames(): readonly string[] {
    return ['trace'];
  }
  protected parseOptions(_owner: string, raw: Readonly<Record<string, unknown>>) {
    return { decay: raw.decay as number };
  }
  protected update(
    value: FloatArray,
    grad: FloatArray,
    buffers: ParameterBuffers,
    lr: number,
  ): void {
    const trace = buffers.trace as FloatArray;
    this.seen.push(trace);
    for (let j = 0; j < value.length; j++) {
      trace[j] = this.options.decay * (trace[j] as number) + (grad[j] as number);
      value[j] = (value[j] as number) - lr * (trace[j] as number);
    }
  }
}

describe('BaseOptimizer', () => {
  it('allocates the buffers once, in each parameter’s dtype, and reuses them every step', () => {
    const params = twoParams();
    const opt = new Recorder(params);
    for (let t = 1; t <= 5; t++) {
      fillGrads(params, t);
      opt.step();
    }
    const [w, b] = [opt.seen.filter((_, i) => i % 2 === 0), opt.seen.filter((_, i) => i % 2 === 1)];
    expect(new Set(w).size).toBe(1);
    expect(new Set(b).size).toBe(1);
    expect(w[0]).toBeInstanceOf(Float32Array);
    expect(b[0]).toBeInstanceOf(Float64Array);
  });

  it('writes a plain state dict: name, lr, step, options and per-parameter buffers with shapes', () => {
    const params = twoParams();
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    fillGrads(params, 1);
    opt.step();
    const state = opt.stateDict();
    expect(state).toMatchObject({
      optimizer: 'SGD',
      lr: 0.1,
      step: 1,
      options: { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
    });
    const entries = state.state as readonly Record<string, unknown>[];
    expect(entries.map((e) => [e.name, e.shape])).toEqual([
      ['fc.weight', [2, 3]],
      ['fc.bias', [2]],
    ]);
    expect(entries[0]!.momentumBuffer).toBeInstanceOf(Float32Array);
    expect(Array.from(entries[1]!.momentumBuffer as Float64Array)).toEqual(
      Array.from(params[1]!.grad.data),
    );
  });

  it('restores hyperparameters from the state, as PyTorch does', () => {
    const saved = new Adam(twoParams(), { lr: 0.05, amsgrad: true, betas: [0.8, 0.9] });
    const params = twoParams();
    fillGrads(params, 1);
    const reference = twoParams();
    const expected = new Adam(reference, { lr: 0.05, amsgrad: true, betas: [0.8, 0.9] });
    const loaded = new Adam(params);
    loaded.loadStateDict(saved.stateDict());
    expect(loaded.lr).toBe(0.05);
    expect(loaded.hyperparameters).toEqual({
      betas: [0.8, 0.9],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: true,
    });
    for (let t = 1; t <= 10; t++) {
      fillGrads(params, t);
      fillGrads(reference, t);
      loaded.step();
      expected.step();
    }
    expect(Array.from(params[0]!.value.data)).toEqual(Array.from(reference[0]!.value.data));
  });

  describe('loadStateDict rejects a state that does not fit, and changes nothing', () => {
    const base = (): StateDict => {
      const params = twoParams();
      const opt = new Adam(params);
      fillGrads(params, 1);
      opt.step();
      return opt.stateDict();
    };
    const entries = (s: StateDict) => s.state as readonly Record<string, unknown>[];
    const cases: [string, (s: StateDict) => StateDict, RegExp][] = [
      [
        'another optimizer',
        (s) => ({ ...s, optimizer: 'SGD' }),
        /the state is for optimizer "SGD", not "Adam"/,
      ],
      [
        'a NaN lr',
        (s) => ({ ...s, lr: Number.NaN }),
        /Adam.loadStateDict: learning rate must be a finite number >= 0, got NaN/,
      ],
      ['a fractional step', (s) => ({ ...s, step: 1.5 }), /step must be an integer >= 0, got 1.5/],
      [
        'a beta of 1',
        (s) => ({ ...s, options: { ...(s.options as object), betas: [0.9, 1] } }),
        /betas\[1\] \(beta2\) must be a number in \[0, 1\), got 1/,
      ],
      [
        'fewer parameters',
        (s) => ({ ...s, state: entries(s).slice(0, 1) as never }),
        /the state has 1 parameter entries but the optimizer has 2 parameters/,
      ],
      [
        'parameters in another order',
        (s) => ({ ...s, state: entries(s).slice().reverse() as never }),
        /state entry #0 is for parameter "fc.bias" but parameter #0 is "fc.weight"/,
      ],
      [
        'another shape',
        (s) => ({ ...s, state: [{ ...entries(s)[0], shape: [3, 2] }, entries(s)[1]] as never }),
        /state entry #0 \("fc.weight"\) is for shape \[3,2\] but the parameter has shape \[2,3\]/,
      ],
      [
        'a short buffer',
        (s) => ({
          ...s,
          state: [{ ...entries(s)[0], expAvg: new Float32Array(5) }, entries(s)[1]] as never,
        }),
        /state\[0\].expAvg of "fc.weight" has 5 elements but the parameter has 6/,
      ],
      [
        'a missing buffer',
        (s) => ({
          ...s,
          state: [
            entries(s)[0],
            { name: 'fc.bias', shape: [2], expAvg: new Float64Array(2) },
          ] as never,
        }),
        /state\[1\].expAvgSq of "fc.bias" must be a Float32Array or Float64Array, got undefined/,
      ],
      [
        'an unexpected buffer',
        (s) => ({
          ...s,
          state: [{ ...entries(s)[0], maxExpAvgSq: new Float32Array(6) }, entries(s)[1]] as never,
        }),
        /unexpected buffer "maxExpAvgSq" \(expected expAvg, expAvgSq\)/,
      ],
    ];
    it.each(cases)('%s', (_label, corrupt, message) => {
      const params = twoParams();
      const opt = new Adam(params, { lr: 0.02 });
      fillGrads(params, 1);
      opt.step();
      const before = opt.stateDict();
      expect(() => opt.loadStateDict(corrupt(base()))).toThrow(message);
      expect(opt.stateDict()).toEqual(before);
    });
  });

  it('checks every gradient before touching any value', () => {
    const params = twoParams();
    const good = params[0]!;
    const swappable = { name: 'late', value: params[1]!.value, grad: params[1]!.grad };
    const opt = new SGD([good, swappable]);
    fillGrads(params, 1);
    swappable.grad = new Tensor('float64', new Float64Array(3), [3]);
    const before = Array.from(good.value.data);
    expect(() => opt.step()).toThrow(
      'SGD: parameter "late" (#1) has a gradient of shape [3] but a value of shape [2]',
    );
    expect(Array.from(good.value.data)).toEqual(before);
    expect(opt.stepCount).toBe(0);
  });

  it('rejects malformed parameter lists at construction', () => {
    const [w, b] = twoParams() as [Parameter, Parameter];
    expect(() => new SGD([w, w])).toThrow(
      /parameter "fc.weight" \(#1\) shares its value with an earlier parameter/,
    );
    expect(() => new SGD([w, { name: 'x', value: b.value, grad: w.grad }])).toThrow(
      /parameter "x" \(#1\) has a float32 gradient but a float64 value/,
    );
    expect(() => new SGD([{ name: 'n' } as never])).toThrow(
      /parameters\[0\] must be \{ name: string, value, grad \}/,
    );
    expect(() => new SGD('w' as never)).toThrow(/parameters must be an array of Parameter/);
    expect(() => new SGD([w], 0.1 as never)).toThrow(/SGD: options must be an object, got 0.1/);
  });

  it('validates lr on assignment', () => {
    const opt = new SGD(twoParams());
    expect(() => {
      opt.lr = -0.5;
    }).toThrow('SGD: learning rate must be a finite number >= 0, got -0.5');
    expect(opt.lr).toBe(0.01);
    opt.lr = 0;
    expect(opt.lr).toBe(0);
  });
});
