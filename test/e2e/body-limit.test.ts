import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLog, startNode, type TestNode } from '../helpers/start-node.js';

// Bodies over the 1 MiB limit, over real sockets: a stalled connection only shows on a socket, not
// through app.inject(). Every surface answers 413 in its protocol's own shape, logs nothing at
// error level, and leaves the connection usable or closes it.

const MiB = 1_048_576;
/** A JSON object of about `bytes` bytes. */
const jsonOf = (bytes: number, fields: Record<string, unknown> = {}): Buffer => Buffer.from(JSON.stringify({ ...fields, padding: 'x'.repeat(bytes) }));
const FLASK_413 = '<!doctype html>\n<html lang=en>\n<title>413 Request Entity Too Large</title>\n<h1>Request Entity Too Large</h1>\n<p>The data value transmitted exceeds the capacity limit.</p>\n';
/** Longest a request may take here: a stalled connection fails the test instead of the suite. */
const PROMPTLY_MS = 5_000;

interface Answer { readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly text: string }

/** One request over a real socket (node:http, which also sends bodies with GET); rejects when no answer comes promptly. */
function send(node: TestNode, agent: Agent, method: string, path: string, body: Buffer, options: { contentType?: string; chunked?: boolean } = {}): Promise<Answer> {
  const url = new URL(node.url);
  const headers = { 'content-type': options.contentType ?? 'application/json', ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }) };
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path} got no answer within ${PROMPTLY_MS} ms`));
    }, PROMPTLY_MS);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // Chunked (node:http chunks a GET only when told to): the server learns the size only by reading.
    if (options.chunked) for (let at = 0; at < body.length; at += 65_536) req.write(body.subarray(at, at + 65_536));
    req.end(options.chunked ? undefined : body);
  });
}

const log = captureLog();
let node: TestNode;
let agent: Agent;
beforeAll(async () => {
  node = await startNode({ logger: log.logger });
});
afterAll(async () => {
  await node?.stop();
});
// One kept-alive socket at a time, so a follow-up request reuses the connection the big body used.
const newAgent = () => (agent = new Agent({ keepAlive: true, maxSockets: 1 }));
afterEach(() => {
  agent?.destroy();
  const errors = log.errors();
  log.clear();
  expect(errors).toEqual([]);
});

describe('ChatCLI bodies over the limit', () => {
  it.each(['/user/login', '/user/register', '/chat/messages'])('answers POST %s with a 2 MiB body with Flask\'s HTML 413, logging no error', async (path) => {
    newAgent();
    const answer = await send(node, agent, 'POST', path, jsonOf(2 * MiB, { username: 'alice', password: 'Secret-123' }));
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.text).toBe(FLASK_413);
  });

  it('answers GET /user/refresh-token with a 2 MiB body with 413 promptly, and the next request is answered', async () => {
    newAgent();
    const answer = await send(node, agent, 'GET', '/user/refresh-token', jsonOf(2 * MiB, { refresh_token: 'abc' }));
    expect(answer.status).toBe(413);
    expect(answer.text).toBe(FLASK_413);
    const next = await send(node, agent, 'GET', '/user/refresh-token', jsonOf(10, { refresh_token: 'abc' }));
    expect(next.status).toBe(401);
    expect(JSON.parse(next.text)).toStrictEqual({ status: 'error', message: 'Invalid refresh token', response: '' });
  });

  it('answers GET /user/refresh-token with a chunked 2 MiB body (no Content-Length) with 413 promptly, and the next request is answered', async () => {
    newAgent();
    const answer = await send(node, agent, 'GET', '/user/refresh-token', jsonOf(2 * MiB, { refresh_token: 'abc' }), { chunked: true });
    expect(answer.status).toBe(413);
    expect(answer.text).toBe(FLASK_413);
    expect((await send(node, agent, 'GET', '/user/refresh-token', jsonOf(10, { refresh_token: 'abc' }))).status).toBe(401);
  });

  it('answers GET /user/refresh-token with a body under the limit normally, and keeps the connection usable', async () => {
    newAgent();
    // Both requests go first: a stalled connection shows as the second one getting no answer.
    const answers = [await send(node, agent, 'GET', '/user/refresh-token', jsonOf(200_000, { refresh_token: 'abc' }))];
    answers.push(await send(node, agent, 'GET', '/user/refresh-token', jsonOf(10, { refresh_token: 'abc' })));
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)).toStrictEqual({ status: 'error', message: 'Invalid refresh token', response: '' });
    }
  });
});

describe('the other protocols\' bodies over the limit', () => {
  it('answers connor POST /api/v1/users with Echo\'s JSON 413', async () => {
    newAgent();
    const answer = await send(node, agent, 'POST', '/api/v1/users', jsonOf(2 * MiB, { username: 'alice', secret: 'secret' }));
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(answer.text)).toStrictEqual({ message: 'Request Entity Too Large' });
  });

  it('answers the TrueConf token endpoint with an OAuth-shaped 413', async () => {
    newAgent();
    const answer = await send(node, agent, 'POST', '/bridge/api/client/v1/oauth/token', jsonOf(2 * MiB, { client_id: 'x', grant_type: 'password' }));
    expect(answer.status).toBe(413);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(answer.text)).toStrictEqual({ error: 'invalid_request', error_description: 'Request body too large' });
  });

  it('answers the invites registration form with an HTML 413 page', async () => {
    newAgent();
    const answer = await send(node, agent, 'POST', '/register', Buffer.from(`token=abc&user=alice&password=${'x'.repeat(2 * MiB)}`), { contentType: 'application/x-www-form-urlencoded' });
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.text).toContain('<title>Payload Too Large</title>'); // the status line's own text
  });
});
