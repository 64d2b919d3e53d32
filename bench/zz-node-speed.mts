import { loadMnist } from '@nabla/data/node';
import { nablaRunner } from './src/training-nabla.ts';
import { TRAINING_CONFIGS } from './src/training-config.ts';
const { train } = await loadMnist();
const config = TRAINING_CONFIGS[0]!;
for (const threads of ['auto', 1] as const) {
  const runner = await nablaRunner(threads)(config, { split: train } as never);
  const out: number[] = [];
  for (let i = 0; i < 2; i++) out.push(Math.round(60000 / (await runner.epoch(60000))));
  console.log(runner.system, runner.info, 'samples/s per epoch:', out.join(', '));
  runner.dispose();
}
