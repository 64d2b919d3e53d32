import { describe, expect, it } from 'vitest';
import { type ContractCheck, ContractError, runChecks } from './contract-check.js';

/** What `fn` throws (fails the test when it returns normally). */
function thrownBy(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('runChecks', () => {
  it('runs every check, in order, when all pass', () => {
    const ran: string[] = [];
    const checks: ContractCheck[] = ['a', 'b', 'c'].map((name) => ({
      name,
      run: () => {
        ran.push(name);
      },
    }));
    runChecks(checks);
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('stops at the first failure and prefixes its message with the check name', () => {
    const ran: string[] = [];
    const checks: ContractCheck[] = [
      { name: 'first', run: () => ran.push('first') },
      {
        name: 'second',
        run: () => {
          ran.push('second');
          throw new ContractError('value changed at element 3');
        },
      },
      { name: 'third', run: () => ran.push('third') },
    ];
    const caught = thrownBy(() => runChecks(checks));
    expect(caught).toBeInstanceOf(ContractError);
    expect((caught as ContractError).message).toBe('second: value changed at element 3');
    expect(ran).toEqual(['first', 'second']);
  });

  it('rethrows values that are not Errors unchanged', () => {
    const thrown = { reason: 'not an Error' };
    const checks: ContractCheck[] = [
      {
        name: 'odd',
        run: () => {
          throw thrown;
        },
      },
    ];
    expect(thrownBy(() => runChecks(checks))).toBe(thrown);
    expect(thrown).toEqual({ reason: 'not an Error' });
  });
});

describe('ContractError', () => {
  it('is an Error named ContractError', () => {
    const e = new ContractError('broken');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ContractError');
    expect(String(e)).toBe('ContractError: broken');
  });
});
