import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

describe('invites', () => {
  it('makes 24-character account invites that stay valid for 7 days, or for a given lifetime', async () => {
    const open = await f.core.invites.createAccount();
    expect(open.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await f.core.invites.valid(open.token)).toEqual(open);
    const short = await f.core.invites.createAccount({ username: 'ann', ttlSeconds: 60 });
    f.clock.advance(60_000);
    expect(await f.core.invites.valid(short.token)).toBeNull();
    expect(await f.core.invites.valid(open.token)).not.toBeNull();
    f.clock.advance(7 * 24 * 3600_000);
    expect(await f.core.invites.valid(open.token)).toBeNull();
  });

  it('refuses unknown roles and bad fixed usernames', async () => {
    await expect(f.core.invites.createAccount({ roles: ['prosody:superuser'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(f.core.invites.createAccount({ username: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(f.core.invites.createAccount({ roles: ['prosody:admin'] })).resolves.toMatchObject({ roles: ['prosody:admin'] });
  });

  it('lists and deletes invites; a used single-use invite is no longer valid', async () => {
    const a = await f.core.invites.createAccount();
    const b = await f.core.invites.createAccount();
    expect((await f.core.invites.list()).map((i) => i.token).sort()).toEqual([a.token, b.token].sort());
    await f.core.invites.delete(a.token);
    expect(await f.core.invites.valid(a.token)).toBeNull();
    await expect(f.core.invites.delete(a.token)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await f.store.invites.markUsed(b.token, f.clock.now())).toBe(true);
    expect(await f.store.invites.markUsed(b.token, f.clock.now())).toBe(false);
    expect(await f.core.invites.valid(b.token)).toBeNull();
    expect(await f.core.invites.valid('')).toBeNull();
  });
});
