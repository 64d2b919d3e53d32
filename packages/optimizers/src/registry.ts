import type { OptimizerFactory, Parameter } from '@nabla/tensor';
import { Adagrad, type AdagradOptions } from './adagrad.js';
import { Adam, type AdamOptions } from './adam.js';
import { AdamW, type AdamWOptions } from './adamw.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';

/** Options of the `momentum` and `nesterov` presets: SGD's, with momentum defaulting to 0.9. */
export type MomentumOptions = Omit<SGDOptions, 'nesterov'>;

/**
 * The built-in optimizers by the name an app uses on its command line (`--optimizer adam`).
 * Each entry is an `OptimizerFactory`, the same shape a third-party package exports as
 * `createOptimizer`. `momentum` and `nesterov` are SGD with momentum 0.9 (plain and Nesterov).
 */
export const optimizerFactories = Object.freeze({
  sgd: (parameters: readonly Parameter[], options?: SGDOptions) => new SGD(parameters, options),
  momentum: (parameters: readonly Parameter[], options?: MomentumOptions) =>
    new SGD(parameters, { ...options, momentum: options?.momentum ?? 0.9 }),
  nesterov: (parameters: readonly Parameter[], options?: MomentumOptions) =>
    new SGD(parameters, { ...options, momentum: options?.momentum ?? 0.9, nesterov: true }),
  adam: (parameters: readonly Parameter[], options?: AdamOptions) => new Adam(parameters, options),
  adamw: (parameters: readonly Parameter[], options?: AdamWOptions) =>
    new AdamW(parameters, options),
  rmsprop: (parameters: readonly Parameter[], options?: RMSpropOptions) =>
    new RMSprop(parameters, options),
  adagrad: (parameters: readonly Parameter[], options?: AdagradOptions) =>
    new Adagrad(parameters, options),
} satisfies Record<string, OptimizerFactory>);

/** A name of `optimizerFactories`: `sgd`, `momentum`, `nesterov`, `adam`, `adamw`, `rmsprop`, `adagrad`. */
export type BuiltinOptimizerName = keyof typeof optimizerFactories;

/** The names in `optimizerFactories`, in a stable order. */
export const builtinOptimizerNames: readonly BuiltinOptimizerName[] = Object.freeze(
  Object.keys(optimizerFactories) as BuiltinOptimizerName[],
);

/** Whether `name` is a key of `optimizerFactories`. */
export function isBuiltinOptimizerName(name: string): name is BuiltinOptimizerName {
  return Object.hasOwn(optimizerFactories, name);
}

/** The factory of a built-in optimizer, or an error listing the names there are. */
export function getOptimizerFactory(name: string): OptimizerFactory {
  if (!isBuiltinOptimizerName(name)) {
    throw new RangeError(
      `unknown optimizer ${JSON.stringify(name)}: the built-in ones are ${builtinOptimizerNames.join(', ')}`,
    );
  }
  return optimizerFactories[name];
}

/**
 * The `createOptimizer` factory exported by an imported optimizer module (ESM named export, or a
 * CommonJS module's exports seen through `default`), or an error naming `source` and what it has.
 */
export function optimizerFactoryFromModule(module: unknown, source: string): OptimizerFactory {
  const candidates: unknown[] = [];
  if (typeof module === 'object' && module !== null) {
    const m = module as { createOptimizer?: unknown; default?: unknown };
    candidates.push(m.createOptimizer);
    if (typeof m.default === 'object' && m.default !== null) {
      candidates.push((m.default as { createOptimizer?: unknown }).createOptimizer);
    }
  }
  const factory = candidates.find((c) => typeof c === 'function');
  if (factory === undefined) {
    const keys =
      typeof module === 'object' && module !== null ? Object.keys(module).join(', ') : '';
    throw new TypeError(
      `optimizer package ${JSON.stringify(source)} does not export a createOptimizer function (its exports: ${keys || 'none'}); an optimizer package must export createOptimizer(parameters, options?)`,
    );
  }
  return factory as OptimizerFactory;
}

/** Options of `loadOptimizerFactory`. */
export interface LoadOptimizerOptions {
  /**
   * Imports a module by specifier. Pass `(s) => import(s)` from your app so the package is
   * resolved from the app's own dependencies; the default resolves from `@nabla/optimizers`.
   */
  importer?: ((specifier: string) => Promise<unknown>) | undefined;
}

/**
 * Resolves `--optimizer <name>`: a built-in name (`sgd`, `momentum`, `nesterov`, `adam`, `adamw`,
 * `rmsprop`, `adagrad`) gives its factory; anything else is imported as a package (or path) that
 * must export `createOptimizer: OptimizerFactory`.
 */
export async function loadOptimizerFactory(
  nameOrPackage: string,
  options: LoadOptimizerOptions = {},
): Promise<OptimizerFactory> {
  if (typeof nameOrPackage !== 'string' || nameOrPackage.length === 0) {
    throw new TypeError(
      `loadOptimizerFactory: expected an optimizer name or package name, got ${JSON.stringify(nameOrPackage)}`,
    );
  }
  if (isBuiltinOptimizerName(nameOrPackage)) return optimizerFactories[nameOrPackage];
  const importer = options.importer ?? ((specifier: string) => import(specifier));
  let module: unknown;
  try {
    module = await importer(nameOrPackage);
  } catch (error) {
    throw new Error(
      `cannot load optimizer ${JSON.stringify(nameOrPackage)}: it is not a built-in optimizer (${builtinOptimizerNames.join(', ')}) and importing it as a package failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return optimizerFactoryFromModule(module, nameOrPackage);
}
