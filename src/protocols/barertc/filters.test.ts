import { describe, expect, it } from 'vitest';
import { compileFilters, type MessageFilterOptions } from './filters.js';

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
});
