import { describe, expect, it } from 'vitest';
import { hasBearer } from './bearer.js';

const TOKEN = 'scrape-token-0123456789';

describe('hasBearer', () => {
  it('lets everything through when no token is configured', () => {
    expect(hasBearer(undefined, '')).toBe(true);
    expect(hasBearer('Bearer whatever', '')).toBe(true);
  });

  it('accepts the configured token, in any case of the scheme name', () => {
    expect(hasBearer(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(hasBearer(`bearer ${TOKEN}`, TOKEN)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer '],
    ['another scheme', `Basic ${TOKEN}`],
    ['a wrong token', 'Bearer scrape-token-0123456780'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with more after it', `Bearer ${TOKEN}x`],
    ['the bare token', TOKEN],
  ])('refuses %s', (_label, header) => {
    expect(hasBearer(header, TOKEN)).toBe(false);
  });
});
