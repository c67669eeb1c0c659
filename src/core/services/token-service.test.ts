import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';
import { createNodeSecrets } from '../../auth/node-secrets.js';
import { ACCESS_TTL_MS, REFRESH_RETRY_GRACE_MS, REFRESH_TTL_MS } from './token-service.js';

/** The fixture's server key (test/helpers/core-fixture.ts), to find stored tokens by their hash. */
const secrets = createNodeSecrets('test-token-key-test-token-key-test-token-key');
const URL_SAFE = /^[A-Za-z0-9_-]+$/;
const DAY_MS = 24 * 3600_000;

let f: CoreFixture;
afterEach(() => f.close());

describe('token sessions', () => {
  beforeEach(async () => {
    f = await coreFixture();
    await f.user('alice');
  });

  it('issues a 64-character access token and an 86-character refresh token, stored only as hashes', async () => {
    const { user, accessToken, refreshToken } = await f.core.tokens.login('alice', 'pw');
    expect(user).toMatchObject({ username: 'alice' });
    expect(user).not.toHaveProperty('passwordHash');
    expect(accessToken).toMatch(URL_SAFE);
    expect(accessToken).toHaveLength(64);
    expect(refreshToken).toMatch(URL_SAFE);
    expect(refreshToken).toHaveLength(86);
    const now = f.clock.now();
    expect(await f.store.tokens.findAccess(secrets.hash(accessToken))).toMatchObject({ userId: user.id, expiresAt: now + ACCESS_TTL_MS, revokedAt: null });
    expect(await f.store.tokens.findRefresh(secrets.hash(refreshToken))).toMatchObject({ userId: user.id, expiresAt: now + REFRESH_TTL_MS, revokedAt: null, rotatedAt: null });
    expect(await f.store.tokens.findAccess(accessToken)).toBeNull();
    expect(await f.store.tokens.findRefresh(refreshToken)).toBeNull();
  });

  it('resolves a live access token to its user, without the password hash', async () => {
    const { user, accessToken } = await f.core.tokens.login('ALICE', 'pw');
    const found = await f.core.tokens.authenticate(accessToken);
    expect(found).toMatchObject({ id: user.id, username: 'alice' });
    expect(found).not.toHaveProperty('passwordHash');
  });

  it('rejects unknown tokens with INVALID_TOKEN, including an access token presented as a refresh token', async () => {
    const { accessToken } = await f.core.tokens.login('alice', 'pw');
    await expect(f.core.tokens.authenticate('x'.repeat(64))).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(f.core.tokens.refresh('x'.repeat(86))).rejects.toMatchObject({ code: 'INVALID_TOKEN', message: 'Invalid refresh token' });
    await expect(f.core.tokens.refresh(accessToken)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('expires an access token after 7 days, while its refresh token still yields a new one', async () => {
    const { accessToken, refreshToken } = await f.core.tokens.login('alice', 'pw');
    f.clock.advance(ACCESS_TTL_MS - 1);
    await expect(f.core.tokens.authenticate(accessToken)).resolves.toMatchObject({ username: 'alice' });
    f.clock.advance(2);
    await expect(f.core.tokens.authenticate(accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    const next = await f.core.tokens.refresh(refreshToken);
    await expect(f.core.tokens.authenticate(next.accessToken)).resolves.toMatchObject({ username: 'alice' });
  });

  it('rotates a refresh token into a new pair; the previous access token lives on until it expires', async () => {
    const first = await f.core.tokens.login('alice', 'pw');
    f.clock.advance(DAY_MS);
    const second = await f.core.tokens.refresh(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).toMatch(URL_SAFE);
    expect(second.accessToken).toHaveLength(64);
    expect(second.refreshToken).toMatch(URL_SAFE);
    expect(second.refreshToken).toHaveLength(86);
    expect(await f.store.tokens.findRefresh(secrets.hash(first.refreshToken))).toMatchObject({ rotatedAt: f.clock.now(), revokedAt: null });
    await expect(f.core.tokens.authenticate(second.accessToken)).resolves.toMatchObject({ username: 'alice' });
    // Rotation retires the refresh token only (chatcli.md §5.6); the old access token keeps its 7 days.
    await expect(f.core.tokens.authenticate(first.accessToken)).resolves.toMatchObject({ username: 'alice' });
    f.clock.advance(ACCESS_TTL_MS - DAY_MS);
    await expect(f.core.tokens.authenticate(first.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.authenticate(second.accessToken)).resolves.toMatchObject({ username: 'alice' });
    const third = await f.core.tokens.refresh(second.refreshToken);
    await expect(f.core.tokens.authenticate(third.accessToken)).resolves.toMatchObject({ username: 'alice' });
  });

  it('answers a retried refresh within the grace period with the same pair, revoking nothing', async () => {
    const first = await f.core.tokens.login('alice', 'pw');
    const second = await f.core.tokens.refresh(first.refreshToken);
    f.clock.advance(REFRESH_RETRY_GRACE_MS - 1);
    expect(await f.core.tokens.refresh(first.refreshToken)).toEqual(second);
    await expect(f.core.tokens.authenticate(first.accessToken)).resolves.toMatchObject({ username: 'alice' });
    await expect(f.core.tokens.authenticate(second.accessToken)).resolves.toMatchObject({ username: 'alice' });
    const third = await f.core.tokens.refresh(second.refreshToken);
    await expect(f.core.tokens.authenticate(third.accessToken)).resolves.toMatchObject({ username: 'alice' });
  });

  it('treats reuse of a retired refresh token after the grace period as theft and revokes the whole family', async () => {
    const first = await f.core.tokens.login('alice', 'pw');
    const second = await f.core.tokens.refresh(first.refreshToken);
    f.clock.advance(REFRESH_RETRY_GRACE_MS + 1);
    await expect(f.core.tokens.refresh(first.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', message: 'Refresh token expired or revoked' });
    await expect(f.core.tokens.authenticate(second.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.authenticate(first.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.refresh(second.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(await f.store.tokens.findRefresh(secrets.hash(second.refreshToken))).toMatchObject({ revokedAt: f.clock.now() });
  });

  it('revokes the family when a retired token is replayed after its successor was rotated, even within the grace period', async () => {
    const first = await f.core.tokens.login('alice', 'pw');
    const second = await f.core.tokens.refresh(first.refreshToken);
    const third = await f.core.tokens.refresh(second.refreshToken);
    expect(await f.core.tokens.refresh(second.refreshToken)).toEqual(third); // the newest retired token may still retry
    await expect(f.core.tokens.refresh(first.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.authenticate(third.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.refresh(third.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('leaves the user\'s other token families alone when one family is revoked for reuse', async () => {
    const stolen = await f.core.tokens.login('alice', 'pw');
    const other = await f.core.tokens.login('alice', 'pw');
    await f.core.tokens.refresh(stolen.refreshToken);
    f.clock.advance(REFRESH_RETRY_GRACE_MS + 1);
    await expect(f.core.tokens.refresh(stolen.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.authenticate(other.accessToken)).resolves.toMatchObject({ username: 'alice' });
    const next = await f.core.tokens.refresh(other.refreshToken);
    await expect(f.core.tokens.authenticate(next.accessToken)).resolves.toMatchObject({ username: 'alice' });
  });

  it('gives two concurrent refreshes of one token the same pair', async () => {
    const first = await f.core.tokens.login('alice', 'pw');
    const [a, b] = await Promise.all([f.core.tokens.refresh(first.refreshToken), f.core.tokens.refresh(first.refreshToken)]);
    expect(a).toEqual(b);
    await expect(f.core.tokens.authenticate(a.accessToken)).resolves.toMatchObject({ username: 'alice' });
    const next = await f.core.tokens.refresh(a.refreshToken);
    await expect(f.core.tokens.authenticate(next.accessToken)).resolves.toMatchObject({ username: 'alice' });
  });

  it('expires a refresh token after 30 days', async () => {
    const early = await f.core.tokens.login('alice', 'pw');
    const late = await f.core.tokens.login('alice', 'pw');
    f.clock.advance(REFRESH_TTL_MS - 1);
    await expect(f.core.tokens.refresh(early.refreshToken)).resolves.toMatchObject({ accessToken: expect.any(String) });
    f.clock.advance(1);
    await expect(f.core.tokens.refresh(late.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('refuses the tokens of a disabled user with USER_DISABLED', async () => {
    const { user, accessToken, refreshToken } = await f.core.tokens.login('alice', 'pw');
    await f.core.users.setDisabled(user.id, true);
    await expect(f.core.tokens.authenticate(accessToken)).rejects.toMatchObject({ code: 'USER_DISABLED' });
    await expect(f.core.tokens.refresh(refreshToken)).rejects.toMatchObject({ code: 'USER_DISABLED' });
  });

  it('keeps the tokens of a disabled account dead after it is enabled again', async () => {
    const { user, accessToken, refreshToken } = await f.core.tokens.login('alice', 'pw');
    await f.core.users.setDisabled(user.id, true);
    await f.core.users.setDisabled(user.id, false);
    await expect(f.core.tokens.authenticate(accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.refresh(refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.login('alice', 'pw')).resolves.toMatchObject({ user: { username: 'alice' } });
  });

  it('revokeAll ends every session of the user and no other user\'s', async () => {
    await f.user('bob');
    const one = await f.core.tokens.login('alice', 'pw');
    const two = await f.core.tokens.login('alice', 'pw');
    const bob = await f.core.tokens.login('bob', 'pw');
    await f.core.tokens.revokeAll(one.user.id, 'sessions');
    for (const s of [one, two]) {
      await expect(f.core.tokens.authenticate(s.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
      await expect(f.core.tokens.refresh(s.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    }
    await expect(f.core.tokens.authenticate(bob.accessToken)).resolves.toMatchObject({ username: 'bob' });
    const fresh = await f.core.tokens.login('alice', 'pw');
    await expect(f.core.tokens.authenticate(fresh.accessToken)).resolves.toMatchObject({ username: 'alice' });
  });

  it('refuses login to an unverified account with EMAIL_NOT_VERIFIED, but only for the right password', async () => {
    await f.core.accounts.registerWithEmail({ username: 'carol', email: 'carol@example.com', password: 'pw' }, (code) => ({ subject: 'Code', text: code }));
    await expect(f.core.tokens.login('carol', 'wrong')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.tokens.login('carol', 'pw')).rejects.toMatchObject({ code: 'EMAIL_NOT_VERIFIED' });
  });
});

describe('token rate limits', () => {
  const limit = { capacity: 2, perSeconds: 60 };

  beforeEach(async () => {
    f = await coreFixture({ limits: { login: limit, register: limit, verify: limit, reset: limit, refresh: limit, message: limit } });
    for (const name of ['alice', 'bob', 'carol']) await f.user(name);
  });

  it('limits login attempts per account, whatever the password, case or address', async () => {
    await expect(f.core.tokens.login('alice', 'wrong', { address: '10.0.0.1' })).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.tokens.login('ALICE', 'wrong', { address: '10.0.0.2' })).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.tokens.login('alice', 'pw', { address: '10.0.0.3' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(f.core.tokens.login('bob', 'pw', { address: '10.0.0.4' })).resolves.toMatchObject({ user: { username: 'bob' } });
    // The refusal says how long the window still runs (windows themselves: src/auth/rate-limiter.test.ts).
    const refused = await f.core.tokens.login('alice', 'pw', { address: '10.0.0.5' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } });
    expect((refused as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('limits login attempts per address across accounts', async () => {
    const origin = { address: '192.0.2.7' };
    await f.core.tokens.login('alice', 'pw', origin);
    await f.core.tokens.login('bob', 'pw', origin);
    await expect(f.core.tokens.login('carol', 'pw', origin)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(f.core.tokens.login('carol', 'pw', { address: '192.0.2.8' })).resolves.toMatchObject({ user: { username: 'carol' } });
  });

  it('limits refreshes per address', async () => {
    const origin = { address: '192.0.2.9' };
    const first = await f.core.tokens.login('alice', 'pw');
    const second = await f.core.tokens.refresh(first.refreshToken, origin);
    const third = await f.core.tokens.refresh(second.refreshToken, origin);
    await expect(f.core.tokens.refresh(third.refreshToken, origin)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(f.core.tokens.refresh(third.refreshToken, { address: '192.0.2.10' })).resolves.toMatchObject({ accessToken: expect.any(String) });
  });
});
