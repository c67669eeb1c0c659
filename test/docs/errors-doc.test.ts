import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorDocs } from '../../scripts/error-docs.js';
import { ChatError, ERROR_CODES, toChatError } from '../../src/core/errors.js';
import { CHATCLI_ERRORS } from '../../src/protocols/chatcli/errors.js';
import { CONNOR_ERRORS } from '../../src/protocols/connor/errors.js';
import { TRUECONF_ERRORS } from '../../src/protocols/trueconf/errors.js';

describe('error registry', () => {
  it('is documented in docs/errors.md exactly as generated (run npm run docs:errors)', () => {
    expect(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorDocs());
  });

  it('has SCREAMING_SNAKE codes, each mapped by every protocol', () => {
    for (const code of Object.keys(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z_]*[A-Z]$/);
      expect(CONNOR_ERRORS).toHaveProperty(code);
      expect(CHATCLI_ERRORS).toHaveProperty(code);
      expect(TRUECONF_ERRORS).toHaveProperty(code);
    }
  });

  it('turns unknown errors into INTERNAL without leaking their message', () => {
    const e = toChatError(new Error('SQLITE_CORRUPT at /var/lib/secret'));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).not.toContain('secret');
    const known = new ChatError('BANNED', 'nope');
    expect(toChatError(known)).toBe(known);
  });
});
