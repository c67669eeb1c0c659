import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

describe('link-spam service', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await coreFixture();
  });
  afterEach(() => f.close());
  const policy = { maxThreads: 2, windowMs: 60_000 };

  it('kicks on the first link over the limit, bans on the next while the warning counts', async () => {
    const alice = await f.user('alice');
    const check = (peer: string, links = ['L']) => f.core.linkSpam.check(alice.id, peer, links, policy);
    expect(await check('b')).toBe('ok');
    expect(await check('C')).toBe('ok');
    expect(await check('c')).toBe('ok'); // same thread, any spelling of the name
    expect(await check('d', [])).toBe('ok');
    expect(await check('d')).toBe('kick');
    expect(await check('e', ['other'])).toBe('ok');
    expect(await check('e', ['L', 'L'])).toBe('ban');
  });

  it('forgets sends and the warning once the window has passed', async () => {
    const alice = await f.user('alice');
    const check = (peer: string) => f.core.linkSpam.check(alice.id, peer, ['L'], policy);
    for (const peer of ['a', 'b']) expect(await check(peer)).toBe('ok');
    expect(await check('c')).toBe('kick');
    f.clock.advance(60_001);
    for (const peer of ['d', 'e']) expect(await check(peer)).toBe('ok');
    expect(await check('f')).toBe('kick');
  });

  it('refuses a policy that could never allow a link', async () => {
    const alice = await f.user('alice');
    await expect(f.core.linkSpam.check(alice.id, 'b', ['L'], { maxThreads: 0, windowMs: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
