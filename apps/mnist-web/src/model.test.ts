import { encodeSafetensors, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../../mnist-demo/src/checkpoint.js';
import { createMlp as cliMlp } from '../../mnist-demo/src/model.js';
import { createMlp, decodeModel, encodeModel } from './model.js';

const bits = (t: Tensor): number[] =>
  Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

describe('encodeModel / decodeModel (the CLI checkpoint format)', () => {
  it('round-trips the weights bit for bit, in both directions with the CLI', () => {
    const model = createMlp(24, 3);
    const back = decodeModel(encodeModel(model), 'page.safetensors');
    expect(back.hidden).toBe(24);
    const a = model.net.stateDict();
    const b = back.net.stateDict();
    for (const name of Object.keys(a))
      expect(bits(b[name] as Tensor), name).toEqual(bits(a[name] as Tensor));
    // A CLI checkpoint decodes here, and the weights are the CLI's.
    const cli = cliMlp(16);
    const fromCli = decodeModel(encodeCheckpoint(cli), 'cli.safetensors');
    for (const [name, t] of Object.entries(cli.net.stateDict())) {
      expect(bits(fromCli.net.stateDict()[name] as Tensor), name).toEqual(bits(t));
    }
  });

  it('names the file and what is wrong', () => {
    expect(() => decodeModel(new Uint8Array([1, 2, 3]), 'junk.bin')).toThrow(/^junk\.bin: /);
    const other = encodeSafetensors(
      { w: new Tensor('float32', new Float32Array(4), [2, 2]) },
      { format: 'other' },
    );
    expect(() => decodeModel(other, 'x.safetensors')).toThrow(
      'x.safetensors: metadata format is "other", not nabla-mnist-mlp',
    );
    const wrong = encodeSafetensors({
      '0.weight': new Tensor('float32', new Float32Array(4), [2, 2]),
    });
    expect(() => decodeModel(wrong, 'y.safetensors')).toThrow(
      'y.safetensors: expected a tensor "0.weight" of shape [784,H], got [2,2] (tensors: 0.weight)',
    );
    const partial = encodeSafetensors({
      '0.weight': new Tensor('float32', new Float32Array(784 * 3), [784, 3]),
    });
    expect(() => decodeModel(partial, 'z.safetensors')).toThrow(/^z\.safetensors: /);
  });
});
