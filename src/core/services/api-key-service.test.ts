import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

let f: CoreFixture;
beforeEach(async () => { f = await coreFixture(); });
afterEach(() => f.close());

describe('API keys', () => {
  it('accepts exactly the key it made, split at the first slash', async () => {
    const { id, key } = await f.core.apiKeys.create('ci');
    expect(await f.core.apiKeys.check(key)).toBe(id);
    const secret = key.slice(key.indexOf('/') + 1);
    for (const bad of [`${id}/${secret}x`, `${id}/`, `${id}`, `/${secret}`, `other/${secret}`, '', `${id}/${secret.slice(1)}`]) {
      expect(await f.core.apiKeys.check(bad)).toBeNull();
    }
  });

  it('keeps only a hash of the secret', async () => {
    const { id, key } = await f.core.apiKeys.create(null);
    const stored = await f.store.apiKeys.find(id);
    expect(stored?.secretHash).not.toContain(key.split('/')[1]);
    expect(stored?.name).toBeNull();
  });

  it('stops accepting a deleted key, and refuses to delete an unknown one', async () => {
    const { id, key } = await f.core.apiKeys.create('gone');
    await f.core.apiKeys.delete(id);
    expect(await f.core.apiKeys.check(key)).toBeNull();
    await expect(f.core.apiKeys.delete(id)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(await f.core.apiKeys.list()).toEqual([]);
  });
});
