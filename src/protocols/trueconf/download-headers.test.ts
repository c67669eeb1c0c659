import { describe, expect, it } from 'vitest';
import { contentDisposition, downloadHeaders } from './download-headers.js';

describe('download headers (issue 12)', () => {
  it('keeps only renderable types, lower-cased, and serves everything else as an octet-stream attachment', () => {
    expect(downloadHeaders({ name: 'a.PNG', mimeType: 'Image/PNG' })['content-type']).toBe('image/png');
    expect(downloadHeaders({ name: 'a.txt', mimeType: 'text/plain' })['content-type']).toBe('text/plain; charset=utf-8');
    for (const mimeType of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/pdf', '', 'image/png, text/html']) {
      const headers = downloadHeaders({ name: 'x', mimeType });
      expect(headers['content-type']).toBe('application/octet-stream');
      expect(headers['content-disposition']).toMatch(/^attachment; /);
      expect(headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('quotes no character that could end the header value or the quoted name', () => {
    expect(contentDisposition('attachment', 'a"b\\c\r\nSet-Cookie: x=1.html'))
      .toBe('attachment; filename="a_b_c__Set-Cookie: x=1.html"; filename*=UTF-8\'\'a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1.html');
    expect(contentDisposition('inline', 'отчёт 😀.txt')).toBe('inline; filename="_____ __.txt"; filename*=UTF-8\'\'%D0%BE%D1%82%D1%87%D1%91%D1%82%20%F0%9F%98%80.txt');
  });
});
