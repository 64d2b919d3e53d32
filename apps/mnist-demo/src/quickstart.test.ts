import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../examples/quickstart.mjs', import.meta.url));

describe('the root README example (examples/quickstart.mjs)', () => {
  it('runs against the built packages and trains MNIST past 90% test accuracy', async () => {
    const { stdout } = await run(process.execPath, [script], { timeout: 120_000 });
    const match = /test accuracy (\d+\.\d+)%/.exec(stdout);
    expect(match, `unexpected output: ${stdout}`).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(90);
  }, 150_000);
});
