import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink } from '../../helpers/smtp-sink.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';

// Issue 8 (defect 5): ChatCLI's sign-up mails a verification code. When that mail cannot be sent,
// the sign-up has failed for the user (500), so its invite stays usable: signing up again with the
// same invite, once mail works, takes over the unverified account (ChatCLI's rule) and uses the
// invite up then.
let port: number;
let node: TestNode;

/** A random port in 20000–32767 that nothing listens on now. */
async function freePortBelowEphemeral(): Promise<number> {
  for (;;) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_768);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return candidate;
  }
}
beforeAll(async () => {
  // A port that was free a moment ago: nothing listens there until the sink is started on it.
  // Below Linux's ephemeral range (32768+), so no other test's outgoing connection takes it meanwhile.
  port = await freePortBelowEphemeral();
  node = await startNode({ env: { PARLEY_SMTP_URL: `smtp://127.0.0.1:${port}` }, settings: testSettings(`[server]\nregistration = "invite"\n${NO_RATE_LIMITS}`) });
});
afterAll(() => node?.stop());

const STRONG = 'Passw0rd!x';
const register = (username: string, invite_code: string) =>
  node.server.app.inject({ method: 'POST', url: '/user/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username, email: `${username}@example.org`, password: STRONG, invite_code }) });
const post = (url: string, body: unknown) => node.server.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('ChatCLI sign-up with an invite when the verification mail fails', () => {
  it('answers 500, keeps the invite, and the same invite then signs the same person up once mail works', async () => {
    const { token } = await node.server.core.invites.createAccount();
    const failed = await register('mailless', token);
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({ status: 'error', message: 'Failed to send verification email', response: '' });
    expect(await node.server.core.invites.valid(token)).not.toBeNull();
    // The unverified row cannot log in.
    expect((await post('/user/login', { username: 'mailless', password: STRONG })).statusCode).toBe(400);

    const smtp = await startSmtpSink(port);
    try {
      expect((await register('mailless', token)).statusCode).toBe(200);
      const mail = await smtp.nextMailTo('mailless@example.org', 0);
      const code = /Verification code: (\d{6})/.exec(mail.text)?.[1];
      expect((await post('/user/verify-email', { username: 'mailless', email_token: code })).statusCode).toBe(200);
      expect((await post('/user/login', { username: 'mailless', password: STRONG })).statusCode).toBe(200);
      // Used up now.
      expect(await node.server.core.invites.valid(token)).toBeNull();
      expect((await register('someone', token)).statusCode).toBe(403);
    } finally {
      await smtp.close();
    }
  });
});
