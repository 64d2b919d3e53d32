import cliProgress from 'cli-progress';

/** Where training reports how an epoch is going. */
export interface EpochProgress {
  /** `done` samples of the epoch so far, with the running mean loss. */
  update(done: number, runningLoss: number): void;
  /** The epoch is over (or was interrupted): remove or finish the bar. */
  stop(): void;
}

export interface ProgressReporter {
  startEpoch(epoch: number, epochs: number, samples: number): EpochProgress;
  /**
   * A message for the person watching (e.g. "stopping after this batch"): written at once, or,
   * while a live bar is drawn, as soon as the bar is removed, so the two do not garble each other.
   */
  notice(text: string): void;
}

export interface ProgressOptions {
  /** The stream to draw on (default process.stderr). */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** A live bar (true) or plain lines (false); default: whether `stream` is a terminal. */
  tty?: boolean;
  /** Plain mode: a line each time this fraction of the epoch is done (default 0.25). */
  every?: number;
  /** The clock, in milliseconds (default performance.now). */
  now?: () => number;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/**
 * A progress bar per epoch (samples/s, running loss, ETA) on a terminal, via cli-progress; on
 * anything else (CI, pipes, files) a plain line every quarter of an epoch, so logs stay readable.
 */
export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? ('isTTY' in stream && stream.isTTY === true);
  const now = options.now ?? (() => performance.now());
  const every = options.every ?? 0.25;
  let barActive = false;
  const pending: string[] = [];
  const flush = (): void => {
    for (const text of pending.splice(0)) stream.write(`${text}\n`);
  };

  return {
    notice(text) {
      pending.push(text);
      if (!barActive) flush();
    },
    startEpoch(epoch, epochs, samples) {
      const started = now();
      const rate = (done: number): number => done / Math.max((now() - started) / 1000, 1e-9);
      if (tty) {
        const bar = new cliProgress.SingleBar({
          stream,
          format: `epoch ${epoch}/${epochs} |{bar}| {percentage}% | {value}/{total} | {speed} samples/s | loss {loss} | ETA {eta_formatted}`,
          barsize: 30,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
          fps: 8,
        });
        bar.start(samples, 0, { speed: '-', loss: '-' });
        barActive = true;
        return {
          update(done, loss) {
            bar.update(done, {
              speed: Math.round(rate(done)).toLocaleString('en-US'),
              loss: loss.toFixed(4),
            });
          },
          stop() {
            bar.stop();
            barActive = false;
            flush();
          },
        };
      }
      let next = every;
      return {
        update(done, loss) {
          if (samples === 0 || done / samples < next || done >= samples) return;
          while (done / samples >= next) next += every;
          const r = rate(done);
          stream.write(
            `epoch ${epoch}/${epochs}: ${done}/${samples} samples, ${Math.round(r)} samples/s, loss ${loss.toFixed(4)}, ETA ${formatSeconds((samples - done) / r)}\n`,
          );
        },
        stop() {},
      };
    },
  };
}
