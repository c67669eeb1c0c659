import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';
import type { User } from '../model/user.js';
import { EMAIL_CODE_TTL_MS, RESET_TTL_MS, type MailContent } from './account-service.js';

/** A compose function for verification mails that remembers every code it was given. */
function codeMail() {
  const codes: string[] = [];
  return {
    codes,
    compose: (code: string): MailContent => {
      codes.push(code);
      return { subject: 'ChatCLI Account Verification Code', text: `Verification code: ${code}` };
    },
    last: (): string => {
      const code = codes.at(-1);
      if (code === undefined) throw new Error('no code composed');
      return code;
    },
  };
}

/** A compose function for reset mails that remembers every token and user it was given. */
function resetMail() {
  const calls: { token: string; user: User }[] = [];
  return {
    calls,
    compose: (token: string, user: User): MailContent => {
      calls.push({ token, user });
      return { subject: 'Password Reset Request for Your ChatCLI Account', text: `reset-password?token=${token}&username=${user.username}` };
    },
    token: (): string => {
      const call = calls.at(-1);
      if (call === undefined) throw new Error('no reset mail composed');
      return call.token;
    },
  };
}

/** A six-digit code that is not `code`. */
const otherThan = (code: string): string => (code === '123456' ? '654321' : '123456');

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

/** Register with an address and verify it, as a user following the mailed code would. */
async function verifiedAccount(username: string, email: string, password: string): Promise<User> {
  const mail = codeMail();
  await f.core.accounts.registerWithEmail({ username, email, password }, mail.compose);
  return f.core.accounts.verifyEmail(username, mail.last());
}

describe('registration with e-mail verification', () => {
  it('creates an unverified account and mails it a six-digit code', async () => {
    const mail = codeMail();
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, mail.compose);
    expect(mail.codes).toHaveLength(1);
    const code = mail.last();
    expect(code).toMatch(/^\d{6}$/);
    expect(Number(code)).toBeGreaterThanOrEqual(100_000);
    expect(Number(code)).toBeLessThanOrEqual(999_999);
    expect(f.mailer.sent).toHaveLength(1);
    expect(f.mailer.last('alice@example.com')).toEqual({ to: 'alice@example.com', subject: 'ChatCLI Account Verification Code', text: `Verification code: ${code}` });
    expect(await f.core.users.findByUsername('alice')).toMatchObject({ username: 'alice', email: 'alice@example.com', emailVerified: false });
  });

  it('verifies the address with the mailed code, after which the account can log in', async () => {
    const mail = codeMail();
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, mail.compose);
    const user = await f.core.accounts.verifyEmail('alice', mail.last());
    expect(user).toMatchObject({ username: 'alice', emailVerified: true });
    expect(user).not.toHaveProperty('passwordHash');
    expect(await f.core.users.findByUsername('alice')).toMatchObject({ emailVerified: true });
    await expect(f.core.tokens.login('alice', 'pw')).resolves.toMatchObject({ user: { username: 'alice' } });
    await expect(f.core.accounts.verifyEmail('alice', mail.last())).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' }); // used up
  });

  it('refuses a wrong code with TOKEN_EXPIRED without revoking the right one', async () => {
    const mail = codeMail();
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, mail.compose);
    await expect(f.core.accounts.verifyEmail('alice', otherThan(mail.last()))).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', message: 'Invalid or expired code!' });
    await expect(f.core.accounts.verifyEmail('nobody', mail.last())).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(await f.core.users.findByUsername('alice')).toMatchObject({ emailVerified: false });
    await expect(f.core.accounts.verifyEmail('alice', mail.last())).resolves.toMatchObject({ emailVerified: true });
  });

  it('accepts a code for 5 minutes only', async () => {
    const alice = codeMail();
    const bob = codeMail();
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, alice.compose);
    await f.core.accounts.registerWithEmail({ username: 'bob', email: 'bob@example.com', password: 'pw' }, bob.compose);
    f.clock.advance(EMAIL_CODE_TTL_MS - 1);
    await expect(f.core.accounts.verifyEmail('alice', alice.last())).resolves.toMatchObject({ emailVerified: true });
    f.clock.advance(1);
    await expect(f.core.accounts.verifyEmail('bob', bob.last())).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(await f.core.users.findByUsername('bob')).toMatchObject({ emailVerified: false });
  });

  it('lets re-registration take over an unverified account: new password and address, and only the newest code works', async () => {
    const first = codeMail();
    const second = codeMail();
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'old@example.com', password: 'old-pw' }, first.compose);
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'new@example.com', password: 'new-pw' }, second.compose);
    expect(f.mailer.last('new@example.com')?.text).toBe(`Verification code: ${second.last()}`);
    expect(await f.core.users.findByUsername('alice')).toMatchObject({ email: 'new@example.com', emailVerified: false });
    expect(second.last()).not.toBe(first.last()); // two draws from 900 000 codes; equal once in a million runs
    await expect(f.core.accounts.verifyEmail('alice', first.last())).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.accounts.verifyEmail('alice', second.last())).resolves.toMatchObject({ emailVerified: true, email: 'new@example.com' });
    await expect(f.core.tokens.login('alice', 'old-pw')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.tokens.login('alice', 'new-pw')).resolves.toMatchObject({ user: { username: 'alice' } });
  });

  it('refuses a verified username in any case with USERNAME_TAKEN, naming it as sent', async () => {
    await verifiedAccount('alice', 'alice@example.com', 'pw');
    const mail = codeMail();
    await expect(f.core.accounts.registerWithEmail({ username: 'ALICE', email: 'mallory@example.com', password: 'x' }, mail.compose))
      .rejects.toMatchObject({ code: 'USERNAME_TAKEN', message: "User 'ALICE' already exists" });
    expect(mail.codes).toEqual([]);
    expect(f.mailer.last('mallory@example.com')).toBeUndefined();
    await expect(f.core.tokens.login('alice', 'pw')).resolves.toMatchObject({ user: { email: 'alice@example.com' } });
  });

  it('refuses to take over an account created without an address', async () => {
    await f.core.users.register({ username: 'connor', password: 'pw' });
    const mail = codeMail();
    await expect(f.core.accounts.registerWithEmail({ username: 'connor', email: 'mallory@example.com', password: 'x' }, mail.compose))
      .rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    expect(f.mailer.sent).toEqual([]);
    expect(await f.core.users.findByUsername('connor')).toMatchObject({ email: null });
    await expect(f.core.tokens.login('connor', 'pw')).resolves.toMatchObject({ user: { username: 'connor' } });
  });

  it('keeps the account and its code when the mail cannot be sent', async () => {
    f.mailer.failing = true;
    const mail = codeMail();
    await expect(f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, mail.compose))
      .rejects.toMatchObject({ code: 'MAIL_FAILED', retryable: true });
    expect(f.mailer.sent).toEqual([]);
    expect(await f.core.users.findByUsername('alice')).toMatchObject({ email: 'alice@example.com', emailVerified: false });
    f.mailer.failing = false;
    await expect(f.core.accounts.verifyEmail('alice', mail.last())).resolves.toMatchObject({ emailVerified: true });
  });

  it('revokes the unsent code when asked to (a sign-up holding an invite), so the account stays unusable', async () => {
    f.mailer.failing = true;
    const mail = codeMail();
    await expect(f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, mail.compose, undefined, { revokeUnsentCode: true }))
      .rejects.toMatchObject({ code: 'MAIL_FAILED' });
    f.mailer.failing = false;
    await expect(f.core.accounts.verifyEmail('alice', mail.last())).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    // Signing up again takes the unverified account over, as ChatCLI's rule says.
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, mail.compose);
    await expect(f.core.accounts.verifyEmail('alice', mail.last())).resolves.toMatchObject({ emailVerified: true });
  });

  it('checks a registration without writing: taken names in either rule, and the take-over of an unverified account', async () => {
    await f.core.users.register({ username: 'bob', password: 'pw' });
    await expect(f.core.accounts.checkRegistration({ username: 'BOB', password: 'pw' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN', message: 'Username is already taken' });
    await expect(f.core.accounts.checkRegistration({ username: 'BOB', password: 'pw' }, { takeOver: true })).rejects.toMatchObject({ code: 'USERNAME_TAKEN', message: "User 'BOB' already exists" });
    await expect(f.core.accounts.checkRegistration({ username: 'carol', password: 'x'.repeat(1025) })).rejects.toMatchObject({ code: 'PASSWORD_UNACCEPTABLE' });
    await f.core.accounts.registerWithEmail({ username: 'dave', email: 'dave@example.com', password: 'pw' }, codeMail().compose);
    await expect(f.core.accounts.checkRegistration({ username: 'dave', password: 'pw' }, { takeOver: true })).resolves.toBeUndefined();
    await expect(f.core.accounts.checkRegistration({ username: 'dave', password: 'pw' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    expect(await f.core.users.findByUsername('carol')).toBeNull();
  });

  it('limits verification attempts per account', async () => {
    await f.close();
    const limit = { capacity: 2, perSeconds: 60 };
    f = await coreFixture({ limits: { login: limit, register: limit, verify: limit, reset: limit, refresh: limit, message: limit } });
    const mail = codeMail();
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'pw' }, mail.compose);
    const wrong = otherThan(mail.last());
    await expect(f.core.accounts.verifyEmail('alice', wrong, { address: '10.0.0.1' })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.accounts.verifyEmail('Alice', wrong, { address: '10.0.0.2' })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    // Even the right code waits out the window (its length: src/auth/rate-limiter.test.ts).
    await expect(f.core.accounts.verifyEmail('alice', mail.last(), { address: '10.0.0.3' })).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } });
  });
});

describe('password reset', () => {
  it('mails a 27-character t0k3n link token to the account\'s address', async () => {
    await verifiedAccount('alice', 'alice@example.com', 'pw');
    const mail = resetMail();
    await f.core.accounts.requestPasswordReset('ALICE', mail.compose);
    const token = mail.token();
    expect(token).toMatch(/^t0k3n[A-Za-z0-9_-]{22}$/);
    expect(token).toHaveLength(27);
    expect(mail.calls[0]?.user).toMatchObject({ username: 'alice', email: 'alice@example.com' });
    expect(mail.calls[0]?.user).not.toHaveProperty('passwordHash');
    expect(f.mailer.last('alice@example.com')).toMatchObject({ to: 'alice@example.com', text: `reset-password?token=${token}&username=alice` });
  });

  it('refuses an unknown user with USER_NOT_FOUND and an account without an address with INVALID_INPUT', async () => {
    await f.core.users.register({ username: 'connor', password: 'pw' });
    const mail = resetMail();
    await expect(f.core.accounts.requestPasswordReset('nobody', mail.compose)).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(f.core.accounts.requestPasswordReset('connor', mail.compose)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(mail.calls).toEqual([]);
    expect(f.mailer.sent).toEqual([]);
  });

  it('sets the new password once and ends every session of the account', async () => {
    await verifiedAccount('alice', 'alice@example.com', 'old-pw');
    const session = await f.core.tokens.login('alice', 'old-pw');
    const mail = resetMail();
    await f.core.accounts.requestPasswordReset('alice', mail.compose);
    await f.core.accounts.resetPassword('alice', mail.token(), 'new-pw');
    await expect(f.core.tokens.login('alice', 'old-pw')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.tokens.authenticate(session.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.refresh(session.refreshToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    const fresh = await f.core.tokens.login('alice', 'new-pw');
    await expect(f.core.tokens.authenticate(fresh.accessToken)).resolves.toMatchObject({ username: 'alice' });
    await expect(f.core.accounts.resetPassword('alice', mail.token(), 'third-pw'))
      .rejects.toMatchObject({ code: 'TOKEN_EXPIRED', message: 'Invalid or expired reset link' });
    await expect(f.core.tokens.login('alice', 'new-pw')).resolves.toMatchObject({ user: { username: 'alice' } });
  });

  it('refuses an unknown token, and a token after its hour, with TOKEN_EXPIRED', async () => {
    await verifiedAccount('alice', 'alice@example.com', 'pw');
    const mail = resetMail();
    await f.core.accounts.requestPasswordReset('alice', mail.compose);
    await expect(f.core.accounts.resetPassword('alice', `t0k3n${'A'.repeat(22)}`, 'new-pw')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    f.clock.advance(RESET_TTL_MS);
    await expect(f.core.accounts.resetPassword('alice', mail.token(), 'new-pw')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.login('alice', 'pw')).resolves.toMatchObject({ user: { username: 'alice' } });
  });

  it('refuses a token presented with another username with FORBIDDEN, and the token stays usable', async () => {
    await verifiedAccount('alice', 'alice@example.com', 'pw');
    await verifiedAccount('bob', 'bob@example.com', 'pw');
    const mail = resetMail();
    await f.core.accounts.requestPasswordReset('alice', mail.compose);
    await expect(f.core.accounts.resetPassword('bob', mail.token(), 'owned')).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Username does not match' });
    await expect(f.core.tokens.login('bob', 'pw')).resolves.toMatchObject({ user: { username: 'bob' } });
    await f.core.accounts.resetPassword('ALICE', mail.token(), 'new-pw');
    await expect(f.core.tokens.login('alice', 'new-pw')).resolves.toMatchObject({ user: { username: 'alice' } });
  });

  it('refuses an empty password with PASSWORD_UNACCEPTABLE, and the token stays usable', async () => {
    await verifiedAccount('alice', 'alice@example.com', 'pw');
    const mail = resetMail();
    await f.core.accounts.requestPasswordReset('alice', mail.compose);
    await expect(f.core.accounts.resetPassword('alice', mail.token(), '')).rejects.toMatchObject({ code: 'PASSWORD_UNACCEPTABLE' });
    await expect(f.core.tokens.login('alice', 'pw')).resolves.toMatchObject({ user: { username: 'alice' } });
    await f.core.accounts.resetPassword('alice', mail.token(), 'new-pw');
    await expect(f.core.tokens.login('alice', 'new-pw')).resolves.toMatchObject({ user: { username: 'alice' } });
  });

  it('does not let a reset link mailed to an unverified account\'s previous address reset it after a take-over', async () => {
    // Mallory registers the name first (unverified) and asks for a reset link to her own address.
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'mallory@example.com', password: 'mallory-pw' }, codeMail().compose);
    const link = resetMail();
    await f.core.accounts.requestPasswordReset('alice', link.compose).catch(() => undefined); // refusing here closes the hole too
    // Alice re-registers the name (allowed: it is unverified) and verifies her own address.
    const mail = codeMail();
    await f.core.accounts.registerWithEmail({ username: 'alice', email: 'alice@example.com', password: 'alice-pw' }, mail.compose);
    await f.core.accounts.verifyEmail('alice', mail.last());
    for (const { token } of link.calls) {
      await expect(f.core.accounts.resetPassword('alice', token, 'owned-by-mallory')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    }
    await expect(f.core.tokens.login('alice', 'alice-pw')).resolves.toMatchObject({ user: { email: 'alice@example.com' } });
  });
});

describe('password change', () => {
  it('checks the current password, then ends every session, the one that asked too', async () => {
    await f.core.users.register({ username: 'cara', password: 'old-pw' });
    const one = await f.core.tokens.login('cara', 'old-pw');
    const two = await f.core.tokens.login('cara', 'old-pw');
    await expect(f.core.accounts.changePassword(one.accessToken, 'wrong', 'new-pw')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await f.core.accounts.changePassword(one.accessToken, 'old-pw', 'new-pw');
    for (const s of [one, two]) await expect(f.core.tokens.authenticate(s.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(f.core.tokens.login('cara', 'old-pw')).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.tokens.login('cara', 'new-pw')).resolves.toMatchObject({ user: { username: 'cara' } });
  });

  it("spends the account's login budget, so a stolen token cannot guess the password at will", async () => {
    await f.close();
    const limit = { capacity: 2, perSeconds: 60 };
    f = await coreFixture({ limits: { login: limit, register: limit, verify: limit, reset: limit, refresh: limit, message: limit } });
    await f.core.users.register({ username: 'gus', password: 'right' });
    const { accessToken } = await f.core.tokens.login('gus', 'right', { address: '10.0.0.9' });
    await expect(f.core.accounts.changePassword(accessToken, 'guess', 'x', { address: '10.0.0.1' })).rejects.toMatchObject({ code: 'PASSWORD_MISMATCH' });
    await expect(f.core.accounts.changePassword(accessToken, 'right', 'x', { address: '10.0.0.2' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('release-notification subscriptions', () => {
  it('subscribes an address once, case-insensitively', async () => {
    await f.core.accounts.subscribe('fan@example.com');
    await expect(f.core.accounts.subscribe('FAN@Example.com')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await f.core.accounts.subscribe('other@example.com');
  });
});
