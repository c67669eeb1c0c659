import { describe, expect, it } from 'vitest';
import { renderMarkdown, sanitize, youtubeEmbed } from './render.js';

describe('BareRTC rendering (reference §4.3 message)', () => {
  it('renders Markdown as BareRTC does, without a trailing newline', () => {
    expect(renderMarkdown('hello **world**')).toBe('<p>hello <strong>world</strong></p>');
    expect(renderMarkdown('~~gone~~ _it_ `x`')).toBe('<p><del>gone</del> <em>it</em> <code>x</code></p>');
  });

  it('drops a line with nothing left to show', () => {
    expect(renderMarkdown('')).toBeNull();
    expect(renderMarkdown('  \n ')).toBeNull();
  });

  it('neutralises script tags, javascript: links and event attributes', () => {
    expect(renderMarkdown('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('href');
    expect(renderMarkdown('[x](JaVaScRiPt:alert(1))')).not.toContain('href');
    expect(renderMarkdown('<img src=x onerror=alert(1)>')).not.toMatch(/<img/);
    expect(sanitize('<a href="javascript:alert(1)" onclick="x()">y</a><img src="x" onerror="alert(1)"><script>z</script>')).toBe('<a target="_blank" rel="nofollow noopener noreferrer">y</a>');
    expect(sanitize('<p onmouseover="x()">t</p><iframe src="https://evil"></iframe>')).toBe('<p>t</p>');
  });

  it('links bare URLs and keeps http, https and mailto links only', () => {
    expect(renderMarkdown('see https://example.com now')).toBe('<p>see <a href="https://example.com" target="_blank" rel="nofollow noopener noreferrer">https://example.com</a> now</p>');
    expect(renderMarkdown('[m](mailto:a@b.c)')).toContain('href="mailto:a@b.c"');
    expect(renderMarkdown('[f](ftp://x.y/z)')).not.toContain('href');
  });

  it('turns a remote Markdown image into a link; only data: images stay inline', () => {
    expect(renderMarkdown('![pic](https://evil.example/t.png)')).toBe('<p><a href="https://evil.example/t.png" target="_blank" rel="nofollow noopener noreferrer">pic</a></p>');
    expect(renderMarkdown('![a](data:image/png;base64,iVBOR)')).toBe('<p><img src="data:image/png;base64,iVBOR" alt="a" /></p>');
  });

  it('appends BareRTC’s YouTube embed for a video link', () => {
    const html = renderMarkdown('https://youtu.be/dQw4w9WgXcQ')!;
    expect(html.endsWith(youtubeEmbed('dQw4w9WgXcQ'))).toBe(true);
    expect(youtubeEmbed('dQw4w9WgXcQ')).toBe('<iframe class="youtube-embed" width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="YouTube video player" frameborder="0" allow="autoplay; encrypted-media; picture-in-picture; web-share" allowfullscreen></iframe>');
    expect(renderMarkdown('https://example.com/watch?v=dQw4w9WgXcQ')).not.toContain('iframe');
  });
});
