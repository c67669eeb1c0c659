import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { createAccount } from './harness.js';

// Issue 8, defect 4 over TrueConf (reference/trueconf.md §6.1): the token endpoint's per-account
// budget is the account's, whatever the spelling of the username (case, full width, with the
// domain or without), so look-alikes cannot buy fresh guesses.
let node: TestNode;
beforeAll(async () => {
  node = await startNode({ env: { PARLEY_DOMAIN: 'example.test' }, settings: testSettings('[rate_limits]\nlogin = "3/600"\n') });
});
afterAll(() => node?.stop());

/** A password grant from `address`, so that only the account's budget is spent across attempts. */
const grant = (username: string, password: string, address: string) =>
  node.server.app.inject({
    method: 'POST', url: '/bridge/api/client/v1/oauth/token', remoteAddress: address, headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ client_id: 'chat_bot', grant_type: 'password', username, password }),
  });

describe('POST /bridge/api/client/v1/oauth/token budget per account', () => {
  it('answers 429 to full-width and upper-case spellings once "alice" has used the budget', async () => {
    const alice = await createAccount(node, 'alice');
    for (let i = 1; i <= 3; i++) expect((await grant('alice', 'Wr0ng-pass!', `10.2.0.${i}`)).statusCode).toBe(400);
    // Even with the right password, from addresses that have not tried yet.
    for (const [i, username] of ['\uff41\uff4c\uff49\uff43\uff45', 'ALICE@example.test', '\uff21lice@example.test'].entries()) {
      const res = await grant(username, alice.password, `10.2.1.${i + 1}`);
      expect(res.statusCode, username).toBe(429);
      expect(res.json(), username).toStrictEqual({ error: 'invalid_request', error_description: 'Too many attempts, try again later' });
    }
  });

  it('leaves other accounts their own budget', async () => {
    await createAccount(node, 'carol');
    const dave = await createAccount(node, 'dave');
    for (let i = 1; i <= 3; i++) await grant('carol', 'Wr0ng-pass!', `10.2.2.${i}`);
    expect((await grant('\uff24ave@example.test', dave.password, '10.2.2.9')).statusCode).toBe(201);
  });
});
