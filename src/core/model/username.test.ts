import { describe, expect, it } from 'vitest';
import { toUsernameKey } from './username.js';

describe('toUsernameKey', () => {
  it('gives every look-alike spelling of a name one key: case, full width, composition, compatibility forms', () => {
    const key = toUsernameKey('alice');
    for (const spelling of ['alice', 'ALICE', 'Alice', '\uff41\uff4c\uff49\uff43\uff45', '\uff21\uff2c\uff29\uff23\uff25', 'AL\uff49ce']) {
      expect(toUsernameKey(spelling), JSON.stringify(spelling)).toBe(key);
    }
    expect(toUsernameKey('Jos\u00e9')).toBe(toUsernameKey('jose\u0301')); // precomposed é, e + combining acute
    expect(toUsernameKey('\ufb01ona')).toBe(toUsernameKey('fiona')); // the fi ligature
  });

  it('keeps different names apart', () => {
    expect(toUsernameKey('alice')).not.toBe(toUsernameKey('alicia'));
    expect(toUsernameKey('alice')).not.toBe(toUsernameKey('al1ce'));
  });

  it('is idempotent, so a stored key can be keyed again', () => {
    for (const name of ['ALICE', '\uff21lice', 'Jose\u0301', '\u0130stanbul', '\u212bngstr\u00f6m']) {
      expect(toUsernameKey(toUsernameKey(name))).toBe(toUsernameKey(name));
    }
  });
});
