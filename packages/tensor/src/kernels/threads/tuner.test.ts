import { describe, expect, it } from 'vitest';
import { shapeKey, ThreadTuner } from './tuner.js';

/** Runs `calls` decisions for one size, feeding back the time each mode takes per call. */
function drive(
  tuner: ThreadTuner,
  flops: number,
  calls: number,
  ms: (threaded: boolean) => number,
  shape = 0,
) {
  const choices: boolean[] = [];
  for (let i = 0; i < calls; i++) {
    const threaded = tuner.useThreads(flops, shape);
    choices.push(threaded);
    tuner.record(flops, threaded, ms(threaded), shape);
  }
  return choices;
}

describe('ThreadTuner', () => {
  it('measures one thread first, then threads, then keeps the faster mode', () => {
    const tuner = new ThreadTuner(16);
    const choices = drive(tuner, 1e7, 66, (threaded) => (threaded ? 1 : 2));
    expect(choices.slice(0, 2)).toEqual([false, true]);
    // Afterwards threads, except re-measurements of one thread after 16 calls, then 32 (the
    // first one confirmed the choice, so the wait doubled).
    const rest = choices.slice(2);
    expect(rest.flatMap((t, i) => (t ? [] : [i + 1]))).toEqual([16, 48]);
  });

  it('stays on one thread when threads are slower (a busy machine)', () => {
    const tuner = new ThreadTuner(16);
    const choices = drive(tuner, 1e7, 66, (threaded) => (threaded ? 2.2 : 2));
    expect(choices.slice(2).filter((t) => t).length).toBe(2);
  });

  it('follows a change of load', () => {
    const tuner = new ThreadTuner(8, 2);
    let busy = false;
    const ms = (threaded: boolean): number => (threaded ? (busy ? 3 : 1) : 2);
    drive(tuner, 1e7, 40, ms);
    expect(tuner.useThreads(1e7) || tuner.useThreads(1e7)).toBe(true);
    busy = true;
    const later = drive(tuner, 1e7, 80, ms);
    // After a few re-measurements of the threaded mode it settles on one thread.
    expect(later.slice(-16).filter((t) => t).length).toBeLessThanOrEqual(2);
    const est = tuner.estimate(1e7);
    expect(est.multi).toBeGreaterThan(est.single as number);
  });

  it('keeps size classes apart', () => {
    const tuner = new ThreadTuner(16);
    drive(tuner, 1e7, 20, (threaded) => (threaded ? 1 : 2));
    drive(tuner, 1e9, 20, (threaded) => (threaded ? 300 : 200));
    // 1e7 and 1.2e7 share a class (same power of two), so do 1e9 and 1.05e9.
    expect((tuner.estimate(1.2e7).multi as number) / 1e-7).toBeCloseTo(1, 9);
    expect((tuner.estimate(1.05e9).single as number) / 2e-7).toBeCloseTo(1, 9);
    expect(tuner.estimate(1e5)).toEqual({ single: undefined, multi: undefined });
  });

  it('ignores timings that are not real durations', () => {
    const tuner = new ThreadTuner();
    tuner.record(1e7, false, Number.NaN);
    tuner.record(1e7, true, -1);
    tuner.record(0, true, 5);
    expect(tuner.estimate(1e7)).toEqual({ single: undefined, multi: undefined });
  });

  it('drops the first cold threaded timing of a re-measurement and tries threads again', () => {
    const tuner = new ThreadTuner(4);
    const flops = 1e7;
    // Threads are twice as fast once the workers are awake, but a cold call (workers woken from
    // sleep) takes five times as long as one thread.
    tuner.record(flops, false, 2);
    expect(tuner.useThreads(flops)).toBe(true);
    tuner.record(flops, true, 10, 0, false);
    expect(tuner.estimate(flops).multi).toBeUndefined();
    // Still pending: threads again, now warm, and that timing counts.
    expect(tuner.useThreads(flops)).toBe(true);
    tuner.record(flops, true, 1, 0, true);
    expect(tuner.estimate(flops).multi).toBeCloseTo(1e-7, 12);
    expect(tuner.useThreads(flops)).toBe(true);
  });

  it('records a second cold threaded timing in a row (cold calls are then the rule)', () => {
    const tuner = new ThreadTuner(4);
    tuner.record(1e7, false, 2);
    tuner.useThreads(1e7);
    tuner.record(1e7, true, 10, 0, false);
    tuner.useThreads(1e7);
    tuner.record(1e7, true, 10, 0, false);
    expect(tuner.estimate(1e7).multi).toBeCloseTo(1e-6, 12);
    // Threads are slower here, so the tuner goes back to one thread.
    expect(tuner.useThreads(1e7)).toBe(false);
  });

  it('keeps shapes of equal FLOPs apart when given shape keys', () => {
    const tuner = new ThreadTuner(16);
    const flops = 2 * 64 * 128 * 784;
    const forward = shapeKey(64, 128, 784, false, false);
    const weights = shapeKey(784, 128, 64, true, false);
    expect(forward).not.toBe(weights);
    expect(shapeKey(64, 128, 784, false, true)).not.toBe(forward);
    drive(tuner, flops, 20, (threaded) => (threaded ? 1 : 2), forward);
    drive(tuner, flops, 20, (threaded) => (threaded ? 3 : 2), weights);
    expect(tuner.useThreads(flops, forward) || tuner.useThreads(flops, forward)).toBe(true);
    expect(tuner.useThreads(flops, weights) && tuner.useThreads(flops, weights)).toBe(false);
    expect(tuner.estimate(flops).single).toBeUndefined();
  });

  it('waits twice as long after each confirming re-measurement, up to 16×, and resets on a switch', () => {
    const tuner = new ThreadTuner(4, 4, Number.POSITIVE_INFINITY);
    let threadsFaster = true;
    const ms = (threaded: boolean): number => (threaded === threadsFaster ? 1 : 2);
    const choices = drive(tuner, 1e7, 2 + 4 + 8 + 16 + 32 + 64 + 64 + 64, ms);
    // Re-measurements (calls on one thread) after 4, 8, 16, 32, 64, then 64 calls again (16 × 4).
    const explores = choices.slice(2).flatMap((t, i) => (t ? [] : [i + 1]));
    expect(explores).toEqual([4, 12, 28, 60, 124, 188, 252]);
    // The machine gets busy and threads become the slower mode. Threaded calls are timed every
    // call, so once the window (4) holds only slow ones the tuner switches, and, the choice
    // having changed, re-measures threads 4 calls after the switching call, then 8, 16, 32.
    threadsFaster = false;
    const later = drive(tuner, 1e7, 120, ms);
    const switched = later.indexOf(false);
    expect(switched).toBeGreaterThanOrEqual(1);
    expect(switched).toBeLessThanOrEqual(4);
    const threadedAfter = later.flatMap((t, i) => (t && i > switched ? [i - switched] : []));
    expect(threadedAfter).toEqual([3, 11, 27, 59]);
  });

  it('caps the wait at about maxWaitMs of calls, so large products are re-measured as often', () => {
    const explores = (msPerCall: number): number[] => {
      const tuner = new ThreadTuner(4, 4, 50);
      const choices = drive(tuner, 1e7, 2 + 60, (threaded) => (threaded ? 1 : 2) * msPerCall);
      return choices.slice(2).flatMap((t, i) => (t ? [] : [i + 1]));
    };
    // 1 ms per call: 4, 8, 16, 32, then 50 calls (50 ms); 10 ms: 4, then 5 (50 ms); 100 ms:
    // never more than exploreEvery.
    expect(explores(1)).toEqual([4, 12, 28, 60]);
    expect(explores(10)).toEqual([4, 9, 14, 19, 24, 29, 34, 39, 44, 49, 54, 59]);
    expect(explores(100)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]);
  });

  it('is not swayed by one slow call: the speed of a mode is the minimum of its recent timings', () => {
    const tuner = new ThreadTuner(16, 4);
    drive(tuner, 1e7, 10, (threaded) => (threaded ? 1 : 2));
    // One threaded call slowed 10× (a preempted worker): threads stay the choice.
    tuner.record(1e7, true, 10);
    expect(tuner.estimate(1e7).multi).toBeCloseTo(1e-7, 12);
    expect(tuner.useThreads(1e7)).toBe(true);
    // Four slow ones in a row are the machine now: the tuner goes to one thread.
    for (let i = 0; i < 3; i++) tuner.record(1e7, true, 10);
    expect(tuner.estimate(1e7).multi).toBeCloseTo(1e-6, 12);
    expect(tuner.useThreads(1e7)).toBe(false);
    expect(() => new ThreadTuner(16, 0)).toThrow(/window/);
    expect(() => new ThreadTuner(16, 2.5)).toThrow(/window/);
  });
});
