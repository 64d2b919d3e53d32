import { describe, expect, it } from 'vitest';
import { numberField, parseReply, RemoteProcess } from './remote.js';

describe('parseReply', () => {
  it('returns the fields of an ok reply', () => {
    expect(parseReply('{"ok":true,"seconds":0.5}', 'w', 'op')).toEqual({ ok: true, seconds: 0.5 });
  });

  it('names the process and request when the reply is an error or not JSON', () => {
    expect(() => parseReply('{"ok":false,"error":"boom"}', 'pytorch', 'train-epoch')).toThrow(
      'pytorch: train-epoch failed: boom',
    );
    expect(() => parseReply('Traceback', 'pytorch', 'hello')).toThrow(
      'pytorch: reply to hello is not JSON: "Traceback"',
    );
    expect(() => parseReply('[1]', 'pytorch', 'hello')).toThrow(/not an object/);
  });

  it('reads number fields and names a missing one', () => {
    expect(numberField({ seconds: 2 }, 'seconds', 'w')).toBe(2);
    expect(() => numberField({ seconds: 'x' }, 'seconds', 'w')).toThrow(
      'w: expected a number in field seconds, got "x"',
    );
  });
});

// A tiny server of the line protocol: echoes each request's op and fails on "fail".
const ECHO = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.op === 'exit') process.exit(3);
  process.stdout.write(JSON.stringify(r.op === 'fail' ? { ok: false, error: 'asked to' } : { ok: true, echo: r.op, n: r.n }) + '\\n');
});`;

describe('RemoteProcess', () => {
  it('sends one request per line and reads one reply per line, in order', async () => {
    const remote = new RemoteProcess('echo', process.execPath, ['-e', ECHO], process.cwd());
    try {
      expect(await remote.request('a', { n: 1 })).toEqual({ ok: true, echo: 'a', n: 1 });
      expect(await remote.request('b', { n: 2 })).toEqual({ ok: true, echo: 'b', n: 2 });
      await expect(remote.request('fail')).rejects.toThrow('echo: fail failed: asked to');
      expect((await remote.request('c')).echo).toBe('c');
    } finally {
      await remote.close();
    }
  }, 30_000);

  it('says so when the process exits during a request or is asked after it', async () => {
    const remote = new RemoteProcess('echo', process.execPath, ['-e', ECHO], process.cwd());
    await expect(remote.request('exit')).rejects.toThrow(/echo: .* during exit/);
    expect(await remote.exited).toBe('exited (code 3)');
    await expect(remote.request('a')).rejects.toThrow(/echo: exited \(code 3\) before a/);
    await remote.close();
  }, 30_000);

  it('reports a command that cannot start', async () => {
    const remote = new RemoteProcess('ghost', '/nonexistent/python3', [], process.cwd());
    await expect(remote.request('hello')).rejects.toThrow(/ghost: /);
    await remote.close();
  }, 30_000);
});
