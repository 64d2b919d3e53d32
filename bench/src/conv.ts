import { Conv2d } from '@nabla/layers';
import { backendName, createRng, getThreads, setBackend, setThreads, Tensor } from '@nabla/tensor';
import {
  CONV_CASES,
  type ConvCase,
  type ConvLayerShape,
  convGflops,
  convOperands,
  outSize,
} from './conv-cases.js';
import { interleave } from './interleave.js';
import type { Log } from './matmul.js';
import { localPrepared, type PreparedMatmul } from './matmul-system.js';
import type { BenchRecord } from './record.js';
import { summarize } from './stats.js';
import { type TfjsBackend, tf, tfjsInfo, useTfjs } from './tfjs.js';
import type { TimingOptions } from './timing.js';
import type { Unsupported } from './unsupported.js';

/** One way of running a convolution case, measured in turn with the others. */
export interface ConvSystem {
  readonly name: string;
  describe(): string;
  /**
   * Makes operands and warms the call up; resolves to `{ unsupported }` (the reason, e.g. a missing
   * kernel) when this system cannot run the case at all.
   */
  prepare(c: ConvCase, timing: TimingOptions): Promise<PreparedMatmul | { unsupported: string }>;
}

/** Nabla's `Conv2d` (training context; backward computes ∇W, ∇b and ∇x) on `threads` threads. */
export function nablaConvSystem(threads: number | 'auto'): ConvSystem {
  // Only the thread count changes between turns: `setBackend` would start a new engine (a fresh
  // wasm memory whose pages the next calls fault in again, and new workers).
  setBackend('auto');
  const select = (): void => setThreads(threads);
  select();
  const name = `nabla-${backendName()}${threads === 1 ? '-1t' : ''}`;
  return {
    name,
    describe: () => `${getThreads()} thread${getThreads() > 1 ? 's' : ''}, Conv2d layer`,
    async prepare(c, timing) {
      select();
      const l = c.layer;
      const [oh, ow] = outSize(l);
      const { x, w, g } = convOperands(l);
      const conv = new Conv2d(l.c, l.f, l.k, { rng: createRng(1) });
      conv.weight.value.data.set(w);
      const input = new Tensor('float32', x, [l.n, l.c, l.h, l.w]);
      const grad = new Tensor('float32', g, [l.n, l.f, oh, ow]);
      const ctx = { training: true };
      const call =
        c.pass === 'forward'
          ? () => void conv.forward(input, ctx)
          : () => {
              conv.forward(input, ctx);
              conv.backward(grad);
            };
      return localPrepared(select, call, timing);
    },
  };
}

/** Input, filter and output gradient in TFJS's NHWC / [k, k, c, f] layouts. */
function tfjsOperands(l: ConvLayerShape) {
  const [oh, ow] = outSize(l);
  const { x, w, g } = convOperands(l);
  return {
    x: tf.tensor4d(x, [l.n, l.h, l.w, l.c]),
    w: tf.tensor4d(w, [l.k, l.k, l.c, l.f]),
    b: tf.zeros([l.f]) as tf.Tensor1D,
    g: tf.tensor4d(g, [l.n, oh, ow, l.f]),
  };
}

/**
 * TFJS's own convolution on `backend`: `tf.conv2d` (NHWC, its native layout) for the forward;
 * for forward+backward, `tf.grads` of the convolution plus bias (∇x, ∇W, ∇b), as `model.fit`
 * computes them. Where a kernel is missing (tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter), the case is reported unsupported with TFJS's own error message.
 */
export function tfjsConvSystem(
  backend: TfjsBackend,
  passes: readonly ConvCase['pass'][],
): ConvSystem {
  return {
    name: `tfjs-${backend}`,
    describe: tfjsInfo,
    async prepare(c, timing) {
      if (!passes.includes(c.pass)) {
        return {
          unsupported: `not measured (${c.pass} takes minutes per call on tfjs-${backend})`,
        };
      }
      const select = () => useTfjs(backend);
      await select();
      const t = tfjsOperands(c.layer);
      const dispose = () => {
        for (const v of Object.values(t)) v.dispose();
      };
      const forward = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) =>
        tf.add(tf.conv2d(x, w, 1, 'valid'), b) as tf.Tensor4D;
      const grads = tf.grads((x, w, b) =>
        forward(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D),
      );
      const call =
        c.pass === 'forward'
          ? () => tf.tidy(() => void forward(t.x, t.w, t.b))
          : () => tf.tidy(() => void grads([t.x, t.w, t.b], t.g));
      try {
        call();
      } catch (e) {
        dispose();
        return { unsupported: e instanceof Error ? e.message : String(e) };
      }
      return localPrepared(select, call, timing, dispose);
    },
  };
}

/**
 * TFJS-wasm's backward composed by hand from kernels the wasm backend has, for reference: ∇x
 * with `tf.conv2dTranspose` (Conv2DBackpropInput), ∇W as a convolution of the input with the
 * output gradient over the batch (channels and batch swapped by `tf.transpose`, valid for stride
 * 1 and no dilation, the CNN's case), ∇b with `tf.sum`. What a TFJS user can run on wasm today.
 */
export function tfjsWasmComposedSystem(): ConvSystem {
  return {
    name: 'tfjs-wasm-composed',
    describe: () => `${tfjsInfo()}, ∇W via conv2d of transposed tensors, ∇x via conv2dTranspose`,
    async prepare(c, timing) {
      if (c.pass !== 'forward+backward') {
        return { unsupported: 'not measured: its forward is tfjs-wasm’s' };
      }
      const select = () => useTfjs('wasm');
      await select();
      const l = c.layer;
      const t = tfjsOperands(l);
      const call = () =>
        tf.tidy(() => {
          void tf.add(tf.conv2d(t.x, t.w, 1, 'valid'), t.b);
          void tf.conv2dTranspose(t.g, t.w, [l.n, l.h, l.w, l.c], 1, 'valid');
          // ∇W[i, j, ci, fo] = Σ_{b,y,x} x[b, y+i, x+j, ci]·g[b, y, x, fo]: a convolution of
          // x as [ci, h, w, b] with g as the filter [oh, ow, b, fo], giving [ci, k, k, fo].
          const xt = tf.transpose(t.x, [3, 1, 2, 0]) as tf.Tensor4D;
          const gt = tf.transpose(t.g, [1, 2, 0, 3]) as tf.Tensor4D;
          void tf.transpose(tf.conv2d(xt, gt, 1, 'valid'), [1, 2, 0, 3]);
          void tf.sum(t.g, [0, 1, 2]);
        });
      call();
      return localPrepared(select, call, timing, () => {
        for (const v of Object.values(t)) v.dispose();
      });
    },
  };
}

/** Measures every conv case on every system, the systems taking turns as in the matmul bench. */
export async function runConv(
  systems: readonly ConvSystem[],
  timing: TimingOptions,
  log: Log,
): Promise<{ records: BenchRecord[]; unsupported: Unsupported[] }> {
  const described = new Set<string>();
  const records: BenchRecord[] = [];
  const unsupported: Unsupported[] = [];
  for (const c of CONV_CASES) {
    const ready: { system: ConvSystem; prepared: PreparedMatmul }[] = [];
    try {
      for (const system of systems) {
        const prepared = await system.prepare(c, timing);
        if (!described.has(system.name)) {
          described.add(system.name);
          log(`conv: ${system.name} (${system.describe()})`);
        }
        if ('unsupported' in prepared) {
          log(`conv: ${c.label}: ${system.name}: unsupported: ${prepared.unsupported}`);
          unsupported.push({ bench: c.bench, system: system.name, reason: prepared.unsupported });
        } else {
          ready.push({ system, prepared });
        }
      }
      log(`conv: ${c.label}`);
      const seconds = await interleave(ready.length, timing.runs, (i) =>
        (ready[i] as (typeof ready)[number]).prepared.run(),
      );
      ready.forEach(({ system }, i) => {
        records.push({
          bench: c.bench,
          system: system.name,
          unit: 'GFLOP/s',
          ...summarize((seconds[i] as number[]).map((s) => convGflops(c, s))),
        });
      });
    } finally {
      for (const { prepared } of ready) await prepared.dispose();
    }
  }
  setBackend('auto');
  setThreads('auto');
  return { records, unsupported };
}
