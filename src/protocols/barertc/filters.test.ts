import { describe, expect, it } from 'vitest';
import { compileFilters, MessageContext, type MessageFilterOptions } from './filters.js';

const base: MessageFilterOptions = { enabled: true, keywordPhrases: ['\\bswear\\b', 'bad(word)?'], censorMessage: true, forwardMessage: true, reportMessage: false, chatServerResponse: 'Watch your language.' };

describe('message filters (§6.2)', () => {
  it('censors every match with as many asterisks', () => {
    const r = compileFilters([base]).apply('<p>a swear and a badword, bad</p>', false);
    expect(r.html).toBe('<p>a ***** and a *******, ***</p>');
    expect(r.matched).toBe(base);
  });

  it('passes lines that match nothing, disabled filters, and exempt DMs', () => {
    expect(compileFilters([base]).apply('<p>fine</p>', false)).toEqual({ html: '<p>fine</p>', matched: null });
    expect(compileFilters([{ ...base, enabled: false }]).apply('<p>swear</p>', false).matched).toBeNull();
    expect(compileFilters([base]).apply('<p>swear</p>', true)).toEqual({ html: '<p>swear</p>', matched: null });
  });

  it('skips phrases that are not regular expressions', () => {
    const bad: string[] = [];
    const f = compileFilters([{ ...base, keywordPhrases: ['(', 'x'] }], (p) => bad.push(p));
    expect(bad).toEqual(['(']);
    expect(f.apply('x', false).html).toBe('*');
  });

  it('keeps the last 30 lines of context per channel or DM pair', () => {
    const ctx = new MessageContext(() => new Date(2025, 2, 30, 10, 0, 5));
    for (let i = 0; i < 35; i++) ctx.push(MessageContext.dmKey('bob', 'alice'), 'bob', ` line ${i} `);
    const lines = ctx.get('@alice:bob'.replace('@alice:bob', MessageContext.dmKey('alice', 'bob'))).split('\n\n');
    expect(lines).toHaveLength(30);
    expect(lines[0]).toBe('2025-03-30 10:00:05 [bob] line 5');
    expect(ctx.get('lobby')).toBe('(No recent message history in this channel)');
  });
});
