import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CosineAnnealingLR,
  ExponentialLR,
  type LrScheduler,
  loadOptimizerFactory,
  StepLR,
} from '@nabla/optimizers';
import type { Optimizer, OptimizerFactory } from '@nabla/tensor';
import type { Schedule } from './args.js';

function message(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
}

/**
 * Imports an optimizer module the way a person means `--optimizer X`: a path (starting with `.`
 * or `/`) relative to `cwd`; otherwise a package name, first from the demo's own dependencies,
 * then from the folder the command was run in. The error lists every attempt and why it failed.
 */
export function optimizerImporter(cwd: string): (specifier: string) => Promise<unknown> {
  return async (specifier) => {
    const attempts: string[] = [];
    if (specifier.startsWith('.') || isAbsolute(specifier)) {
      const file = resolve(cwd, specifier);
      try {
        return await import(pathToFileURL(file).href);
      } catch (e) {
        throw new Error(`tried the file ${file}: ${message(e)}`, { cause: e });
      }
    }
    try {
      return await import(specifier);
    } catch (e) {
      attempts.push(`import("${specifier}") from the demo's dependencies: ${message(e)}`);
    }
    try {
      const path = createRequire(join(cwd, 'package.json')).resolve(specifier);
      return await import(pathToFileURL(path).href);
    } catch (e) {
      attempts.push(`resolving "${specifier}" from ${cwd}: ${message(e)}`);
    }
    throw new Error(`tried ${attempts.join('; then ')}`);
  };
}

/** The factory for `--optimizer NAME`: a built-in one, or `createOptimizer` of a module. */
export function resolveOptimizer(name: string, cwd: string): Promise<OptimizerFactory> {
  return loadOptimizerFactory(name, { importer: optimizerImporter(cwd) });
}

/** A schedule and when to step it. */
export interface ScheduleDriver {
  /** Call after every optimizer step. */
  afterBatch(): void;
  /** Call after every epoch. */
  afterEpoch(): void;
  readonly scheduler: LrScheduler | undefined;
}

/**
 * `--schedule`: `constant`; `cosine` annealing to 0 over the whole run, stepped per batch;
 * `step`, ×0.1 after every third of the epochs; `exponential`, ×0.85 per epoch.
 */
export function createSchedule(
  schedule: Schedule,
  optimizer: Optimizer,
  epochs: number,
  batchesPerEpoch: number,
): ScheduleDriver {
  switch (schedule) {
    case 'constant':
      return { scheduler: undefined, afterBatch() {}, afterEpoch() {} };
    case 'cosine': {
      const scheduler = new CosineAnnealingLR(optimizer, {
        tMax: Math.max(1, epochs * batchesPerEpoch),
      });
      return { scheduler, afterBatch: () => scheduler.step(), afterEpoch() {} };
    }
    case 'step': {
      const scheduler = new StepLR(optimizer, {
        stepSize: Math.max(1, Math.floor(epochs / 3)),
        gamma: 0.1,
      });
      return { scheduler, afterBatch() {}, afterEpoch: () => scheduler.step() };
    }
    case 'exponential': {
      const scheduler = new ExponentialLR(optimizer, { gamma: 0.85 });
      return { scheduler, afterBatch() {}, afterEpoch: () => scheduler.step() };
    }
  }
}
