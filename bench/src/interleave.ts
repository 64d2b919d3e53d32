/**
 * The order in which `count` systems take their turn in round `round`: forward in even rounds,
 * backward in odd ones (A B C, C B A, A B C …).
 *
 * This machine's speed drifts: on the shared VM one core's matmul throughput was seen to switch
 * between ~26 and ~38 GFLOP/s from one minute to the next. Timing every run of one system before
 * the next system would let such a switch fall between two systems and bias their ratio; taking
 * the systems in turn, one run each, and reversing the order every round spreads a drift over all
 * of them alike (a linear drift cancels out over a pair of rounds).
 */
export function roundOrder(count: number, round: number): number[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`roundOrder: count must be a non-negative integer, got ${count}`);
  }
  if (!Number.isInteger(round) || round < 0) {
    throw new RangeError(`roundOrder: round must be a non-negative integer, got ${round}`);
  }
  const order = Array.from({ length: count }, (_, i) => i);
  return round % 2 === 0 ? order : order.reverse();
}

/**
 * Runs `rounds` rounds of `turn(system, round)` over `count` systems in {@link roundOrder} and
 * returns each system's results in round order.
 */
export async function interleave<T>(
  count: number,
  rounds: number,
  turn: (system: number, round: number) => Promise<T> | T,
): Promise<T[][]> {
  const results: T[][] = Array.from({ length: count }, () => []);
  for (let r = 0; r < rounds; r++) {
    for (const i of roundOrder(count, r)) (results[i] as T[]).push(await turn(i, r));
  }
  return results;
}
