import type { ConvSystem } from './conv.js';
import type { MatmulSystem } from './matmul-system.js';
import { numberField, type RemoteProcess } from './remote.js';
import type { RunnerFactory } from './training-runner.js';

/**
 * A system measured in another process (PyTorch in Python, Nabla on another Node binary) through
 * the line protocol of {@link RemoteProcess}: it times its own calls and epochs, the bench only
 * decides whose turn it is.
 */
export interface RemoteSystem {
  readonly process: RemoteProcess;
  /** The system name in the records, e.g. `pytorch`, `nabla-wasm-relaxed-simd@node24`. */
  readonly name: string;
  /** One line for the log. */
  readonly description: string;
  /** Extra fields of `train-setup` (e.g. where the MNIST bytes are), made on first use. */
  readonly trainFields: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

export function remoteMatmulSystem(remote: RemoteSystem): MatmulSystem {
  const who = remote.name;
  return {
    name: remote.name,
    describe: () => remote.description,
    async prepare(c, timing) {
      await remote.process.request('matmul-prepare', {
        m: c.m,
        n: c.n,
        k: c.k,
        transA: c.transA,
        transB: c.transB,
        runs: timing.runs,
        minRunMs: timing.minRunMs,
        warmupMs: timing.warmupMs,
      });
      return {
        run: async () => numberField(await remote.process.request('matmul-run'), 'seconds', who),
        dispose: async () => void (await remote.process.request('dispose')),
      };
    },
  };
}

export function remoteTrainingRunner(remote: RemoteSystem): RunnerFactory {
  const who = remote.name;
  return async (config) => {
    const setup = await remote.process.request('train-setup', {
      model: config.model ?? 'mlp',
      sizes: config.sizes,
      batchSize: config.batchSize,
      lr: config.lr,
      ...(await remote.trainFields()),
    });
    return {
      system: remote.name,
      info: typeof setup.info === 'string' ? setup.info : remote.description,
      async epoch(samples) {
        return numberField(
          await remote.process.request('train-epoch', { samples }),
          'seconds',
          who,
        );
      },
      async dispose() {
        await remote.process.request('dispose');
      },
    };
  };
}

/** A conv system in another process (PyTorch's runner: `conv-prepare`, `conv-run`). */
export function remoteConvSystem(remote: RemoteSystem): ConvSystem {
  const who = remote.name;
  return {
    name: remote.name,
    describe: () => remote.description,
    async prepare(c, timing) {
      const { n, c: channels, h, w, f, k } = c.layer;
      await remote.process.request('conv-prepare', {
        n,
        c: channels,
        h,
        w,
        f,
        k,
        pass: c.pass,
        runs: timing.runs,
        minRunMs: timing.minRunMs,
        warmupMs: timing.warmupMs,
      });
      return {
        run: async () => numberField(await remote.process.request('conv-run'), 'seconds', who),
        dispose: async () => void (await remote.process.request('dispose')),
      };
    },
  };
}
