import { describe, expect, it } from 'vitest';
import { checkName } from './validate.js';

/** The ChatError checkName throws for `name`, or undefined when it accepts it. */
function refusal(name: string, field = 'username'): { code: string; message: string; details?: unknown } | undefined {
  try {
    checkName(field, name);
    return undefined;
  } catch (e) {
    return e as { code: string; message: string; details?: unknown };
  }
}

describe('checkName', () => {
  it.each([
    ['a plain name', 'alice'],
    ['inner spaces', 'alice smith'],
    ['letters of any script', 'Jos\u00e9 \u5f20\u4f1f'],
    ['a pair of surrogates (an astral character)', 'alice\u{1f600}'],
  ])('accepts %s', (_label, name) => {
    expect(refusal(name)).toBeUndefined();
  });

  it.each([
    ['a leading space', ' alice', /must not start or end with white space/],
    ['a trailing space', 'alice ', /must not start or end with white space/],
    ['a leading no-break space', '\u00a0alice', /must not start or end with white space/],
    ['a trailing ideographic space', 'alice\u3000', /must not start or end with white space/],
    ['a trailing narrow no-break space', 'alice\u202f', /must not start or end with white space/],
    ['a leading en quad', '\u2000alice', /must not start or end with white space/],
    ['only spaces', '   ', /must not be only white space/],
    ['only ideographic and no-break spaces', '\u3000\u00a0', /must not be only white space/],
    ['a line separator', 'al\u2028ice', /must not contain line or paragraph separators/],
    ['a paragraph separator', 'al\u2029ice', /must not contain line or paragraph separators/],
    ['a lone high surrogate', 'al\ud800ice', /well-formed|surrogate/],
    ['a lone low surrogate', 'alice\udc00', /well-formed|surrogate/],
    ['surrogates in the wrong order', 'al\udc00\ud800ice', /well-formed|surrogate/],
  ])('refuses %s with INVALID_INPUT naming the field', (_label, name, message) => {
    const e = refusal(name);
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'username' } });
    expect(e?.message).toMatch(/^username /);
    expect(e?.message).toMatch(message);
  });

  it('names the field it was given', () => {
    expect(refusal(' general', 'room name')?.message).toMatch(/^room name must not start or end with white space/);
  });
});
