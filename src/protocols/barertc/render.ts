import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * BareRTC's text pipeline (reference/barertc.md §4.3 message): Markdown → HTML → sanitiser →
 * trimmed, plus a YouTube embed. BareRTC uses GitHub-flavoured Markdown and bluemonday's UGC
 * policy; here markdown-it (raw HTML off, bare URLs linked, single newlines kept as <br>, as
 * GitHub comments do) and sanitize-html with an allow-list of what BareRTC's page shows.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
// GitHub-flavoured Markdown writes strikethrough as <del> (markdown-it's default is <s>).
md.renderer.rules['s_open'] = () => '<del>';
md.renderer.rules['s_close'] = () => '</del>';
// A Markdown image of a remote URL becomes a link to it: readers' browsers fetch nothing by
// themselves (no tracking pixels); only shared images travel inline, as data: URLs.
const defaultImage = md.renderer.rules.image!;
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const src = String(token.attrGet('src') ?? '');
  if (/^data:image\//i.test(src)) return defaultImage(tokens, idx, options, env, self);
  return `<a href="${md.utils.escapeHtml(src)}">${md.utils.escapeHtml(String(token.content || src))}</a>`;
};

/**
 * What survives the sanitiser. Images are allowed only as `data:image/…` sources — the shared
 * images of the `file` action (§4.3) — so a Markdown image cannot make every reader's browser
 * fetch a remote URL (a tracking pixel). Links keep http/https/mailto only: `javascript:` and
 * other schemes lose their href.
 */
const POLICY: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'hr', 'strong', 'b', 'em', 'i', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'img', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'sup', 'sub'],
  allowedAttributes: { a: ['href', 'target', 'rel'], img: ['src', 'alt', 'width', 'height'], ol: ['start'], th: ['style'], td: ['style'] },
  allowedStyles: { th: { 'text-align': [/^(left|right|center)$/] }, td: { 'text-align': [/^(left|right|center)$/] } },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  transformTags: {
    // Links open in a new tab and pass no referrer or opener, as bluemonday's UGC policy adds.
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'nofollow noopener noreferrer' } }),
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !/^data:image\/(png|jpeg|gif|webp);base64,/i.test(frame.attribs['src'] ?? ''),
};

/** Sanitise HTML with BareRTC's allow-list (already-built markup such as a welcome message's). */
export const sanitize = (html: string): string => sanitizeHtml(html, POLICY).trim();

// BareRTC's YouTube link pattern (expand_media.go): the 11-character video id after the usual URL shapes.
const YT_LINK = /(?:youtube(?:-nocookie)?\.com\/(?:[^/]+\/.+\/|(?:v|e(?:mbed)?)\/|.*[?&]v=)|youtu\.be\/)([^"&?/\s]{11})/;
const YT_ID = /[0-9A-Za-z_-]{10}[048AEIMQUYcgkosw]/;

/** BareRTC's embed, appended after the rendered text for the first YouTube link (§4.3). */
export const youtubeEmbed = (id: string): string =>
  `<iframe class="youtube-embed" width="560" height="315" src="https://www.youtube.com/embed/${id}" title="YouTube video player" frameborder="0" allow="autoplay; encrypted-media; picture-in-picture; web-share" allowfullscreen></iframe>`;

/**
 * A chat line as BareRTC shows it: sanitised HTML without surrounding white space
 * (`hello **world**` → `<p>hello <strong>world</strong></p>`), the YouTube embed appended when
 * the line links a video; null when nothing is left (the line is dropped).
 *
 * The embed is matched on the rendered HTML, as BareRTC does, and built here from an id that the
 * pattern restricts to [0-9A-Za-z_-], so it cannot carry markup of its own.
 */
export function renderMarkdown(text: string): string | null {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const out = renderUncached(text);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(text, out);
  return out;
}

/**
 * Rendering costs about 0.1–0.3 ms a line (markdown-it with linkify, then sanitize-html), and the
 * same text is rendered several times on its way (the sender's check, the event's encoding on
 * every node, the echo on join): the newest lines are kept, keyed by their text.
 */
const CACHE_SIZE = 512;
const cache = new Map<string, string | null>();

function renderUncached(text: string): string | null {
  const html = sanitize(md.render(text));
  if (html === '') return null;
  const m = YT_LINK.exec(html);
  const id = m?.[1];
  return id !== undefined && YT_ID.test(id) ? html + youtubeEmbed(id) : html;
}
