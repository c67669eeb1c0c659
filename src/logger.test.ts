import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

/** A stream that keeps what is written, optionally claiming to be a terminal. */
function sink(isTTY: boolean): PassThrough & { isTTY: boolean; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY, text: () => Buffer.concat(chunks).toString('utf8') });
  stream.on('data', (c: Buffer) => chunks.push(c));
  return stream;
}

/** Let the stream deliver what was written. */
const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('createLogger', () => {
  it('writes JSON lines when the output is not a terminal (auto)', async () => {
    const out = sink(false);
    createLogger({ level: 'info', format: 'auto', output: out }).warn({ address: '203.0.113.9' }, 'failed login');
    await flushed();
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, msg: 'failed login', address: '203.0.113.9' });
  });

  it('writes pretty, coloured lines on a terminal (auto), without pid and hostname', async () => {
    const out = sink(true);
    createLogger({ level: 'info', format: 'auto', output: out }).info({ url: 'http://127.0.0.1:8080' }, 'ready');
    await flushed();
    const text = out.text();
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] /);
    expect(text).toContain('\u001b['); // ANSI colour
    expect(text).toContain('ready');
    expect(text).toContain("\u001b[35murl\u001b[39m: \"http://127.0.0.1:8080\"");
    expect(text).not.toContain('pid');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('obeys an explicit format whatever the output is, and the level', async () => {
    const pipe = sink(false);
    createLogger({ level: 'info', format: 'pretty', output: pipe }).info('to a file');
    const tty = sink(true);
    const json = createLogger({ level: 'warn', format: 'json', output: tty });
    json.info('below the level');
    json.error('kept');
    await flushed();
    expect(pipe.text()).toMatch(/INFO.*: to a file/);
    expect(pipe.text()).not.toContain('\u001b['); // not a terminal: no colour
    expect(tty.text().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['kept']);
  });
});
