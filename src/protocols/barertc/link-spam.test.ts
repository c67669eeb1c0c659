import { describe, expect, it } from 'vitest';
import { linkDigests, linksOf } from './link-spam.js';

describe('DM links (link-spam protection)', () => {
  it('finds links with or without a scheme and normalises them', () => {
    expect(linksOf('join https://Meet.Example.com/room?id=7 now')).toEqual(['meet.example.com/room?id=7']);
    expect(linksOf('see www.example.org, or http://example.org/.')).toEqual(['example.org']);
    expect(linksOf('x.io/a and X.IO/a! and x.io:8080/b')).toEqual(['x.io/a', 'x.io:8080/b']);
  });

  it('finds nothing in plain words, numbers or a lone dot', () => {
    expect(linksOf('hello there. 3.14 is pi... ok')).toEqual([]);
  });

  it('gives one digest per distinct link', () => {
    const d = linkDigests('https://a.com/x https://A.com/x www.a.com/x b.net');
    expect(d).toHaveLength(2);
    expect(d[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});
