import { ContractError, runChecks } from '@nabla/tensor/testing';
import { describe, expect, it } from 'vitest';
import { SGD } from '../sgd.js';
import { optimizerConformance } from './index.js';

/** SGD that also scribbles on the gradients it reads: a contract violation. */
class GradientWritingSGD extends SGD {
  override step(): void {
    super.step();
    for (const p of this.parameters) p.grad.data[0] = (p.grad.data[0] as number) + 1;
  }
}

describe('optimizerConformance', () => {
  it('passes a correct optimizer', () => {
    expect(() =>
      runChecks(optimizerConformance((p, o) => new SGD(p, o), { steps: 20, resumeAt: 10 })),
    ).not.toThrow();
  });

  it('fails an optimizer that writes its gradients with a ContractError naming the check', () => {
    const checks = optimizerConformance((p, o) => new GradientWritingSGD(p, o), {
      steps: 20,
      resumeAt: 10,
    });
    const check = checks.find((c) => c.name === 'step() never writes the gradients');
    expect(check).toBeDefined();
    expect(() => check?.run()).toThrow(ContractError);
    expect(() => runChecks(checks)).toThrow(
      /^step\(\) never writes the gradients: step 1 wrote the gradient of "dense\.weight" at element 0$/,
    );
  });
});
