/**
 * Types a browser may render straight from a download URL: pictures and plain text, nothing that
 * runs scripts or lays out markup (HTML and SVG are the classic stored-XSS vectors, issue 12).
 */
const RENDERABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain']);

/**
 * `Content-Disposition` for `name` (RFC 6266): an ASCII `filename` for old agents, with quotes,
 * backslashes, `%` and anything outside printable ASCII replaced, and the exact name in an
 * RFC 5987 `filename*` (percent-encoding every byte outside attr-char, including ' ( ) *).
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/**
 * Headers of a download answer. The uploader chose the stored type, so it is believed only for
 * types safe to render; anything else is served as an `application/octet-stream` attachment.
 * Every answer forbids sniffing and runs in a sandbox with no sources, should a browser render it.
 */
export function downloadHeaders(file: { readonly name: string; readonly mimeType: string }): Record<string, string> {
  const type = (file.mimeType.split(';')[0] ?? '').trim().toLowerCase();
  const renderable = RENDERABLE.has(type);
  return {
    // The multipart parser keeps no charset; text is declared UTF-8 rather than left to guessing.
    'content-type': !renderable ? 'application/octet-stream' : type === 'text/plain' ? 'text/plain; charset=utf-8' : type,
    'content-disposition': contentDisposition(renderable ? 'inline' : 'attachment', file.name),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  };
}
