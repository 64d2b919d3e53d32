import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A reply of the line protocol: `{ ok: true, ...fields }` or `{ ok: false, error }`. */
export type Reply = Record<string, unknown>;

/**
 * Parses one reply line of the bench's line protocol (one JSON object per line, see
 * bench/pytorch/runner.py and nabla-server.ts) and returns its fields, or throws naming the
 * process and the request when the line is not JSON or reports an error.
 */
export function parseReply(line: string, who: string, op: string): Reply {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${who}: reply to ${op} is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${who}: reply to ${op} is not an object: ${line.slice(0, 200)}`);
  }
  const reply = value as Reply;
  if (reply.ok !== true) {
    const error = typeof reply.error === 'string' ? reply.error : line.slice(0, 200);
    throw new Error(`${who}: ${op} failed: ${error}`);
  }
  return reply;
}

/** Reads a finite number field of a reply, or throws naming the field. */
export function numberField(reply: Reply, field: string, who: string): number {
  const v = reply[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${who}: expected a number in field ${field}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * A child process that serves the bench's line protocol: one JSON request per line on its stdin,
 * one JSON reply per line on its stdout, one request at a time. Its stderr goes to ours.
 */
export class RemoteProcess {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly #who: string;
  #exit: string | undefined;
  /** Resolves with how the process ended (`exited (code 0)`, `could not start: …`). */
  readonly exited: Promise<string>;

  /** `env`: the child's environment (default: this process's). */
  constructor(
    who: string,
    command: string,
    args: readonly string[],
    cwd: string,
    env?: NodeJS.ProcessEnv,
  ) {
    this.#who = who;
    this.#child = spawn(command, args, {
      cwd,
      stdio: ['pipe', 'pipe', 'inherit'],
      ...(env === undefined ? {} : { env }),
    });
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => {
        this.#exit = `exited (${signal ?? `code ${code}`})`;
        resolve(this.#exit);
      });
      this.#child.on('error', (error) => {
        this.#exit = `could not start: ${error.message}`;
        resolve(this.#exit);
      });
    });
    // Writing to a process that has exited fails with EPIPE; the exit itself is what we report.
    this.#child.stdin?.on('error', () => {});
    const stdout = this.#child.stdout;
    if (stdout === null) throw new Error(`${who}: no stdout pipe`);
    this.#lines = createInterface({ input: stdout })[Symbol.asyncIterator]();
  }

  /** Sends one request and waits for its reply. */
  async request(op: string, fields: Record<string, unknown> = {}): Promise<Reply> {
    if (this.#exit !== undefined) throw new Error(`${this.#who}: ${this.#exit} before ${op}`);
    this.#child.stdin?.write(`${JSON.stringify({ op, ...fields })}\n`);
    const next = await this.#lines.next();
    if (next.done === true) {
      throw new Error(`${this.#who}: ${this.#exit ?? 'closed its output'} during ${op}`);
    }
    return parseReply(next.value, this.#who, op);
  }

  /** Closes its stdin (it exits at end of input) and waits for it to exit. */
  async close(): Promise<void> {
    this.#child.stdin?.end();
    await this.exited;
  }
}
