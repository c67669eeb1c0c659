import { randomBytes } from 'node:crypto';
import { rulesOf } from './jwt.js';
import type { BarertcSettings } from './settings.js';
import type { BarertcClaims } from './socket.js';

/**
 * The HTML pages of BareRTC's URL space (reference §2.2): the chat page at `/`, `/about` and
 * `/logout`. Until the web client lands (a later issue) the chat page is a plain page saying where
 * each protocol lives; it already carries BareRTC's page constants (§2.3), so a client script can
 * pick up the single-sign-on token the way BareRTC's own page does.
 */

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no JS line separators. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
code{background:#f2f2f2;padding:0 .25rem;border-radius:3px;overflow-wrap:anywhere}table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid #ddd}.note{padding:.5rem;border-left:4px solid #36c;background:#eef}</style>
${head}</head><body>
${body}
</body></html>
`;
}

/** What the chat page shows about the visitor's single sign-on, if any. */
export interface ChatPageSession {
  /** The token exactly as it came in ('' when none). */
  readonly token: string;
  /** Its verified claims, or null without a (valid) token. */
  readonly claims: BarertcClaims | null;
  /** The website's cached blocklist for this user (`/api/blocklist`), [] when none. */
  readonly blocklist: readonly string[];
}

/** Where the other doors are, for the chat page's table. */
export interface ProtocolLocations {
  /** ws://host:port of ChatCLI's own WebSocket listener, '' when not known yet. */
  readonly chatcliUrl: string;
}

/** BareRTC's page constants (§2.3), in the names and shapes its front-end reads. */
function pageConstants(settings: BarertcSettings, session: ChatPageSession, nonce: string): string {
  const constants: Record<string, unknown> = {
    Branding: settings.Branding,
    BareRTCStrings: settings.Strings,
    PublicChannels: settings.PublicChannels,
    DMDisclaimer: settings.DirectMessageHistory.DisclaimerMessage,
    WebsiteURL: settings.WebsiteURL,
    PermitNSFW: settings.PermitNSFW,
    TURN: settings.TURN,
    WebhookURLs: settings.WebhookURLs,
    VIP: settings.VIP,
    UserJWTToken: session.token,
    UserJWTValid: session.claims !== null,
    UserJWTClaims: session.claims ?? {},
    UserJWTRules: rulesOf(session.claims),
    CachedBlocklist: session.blocklist,
    CacheHash: randomBytes(4).toString('hex'),
  };
  const lines = Object.entries(constants).map(([name, value]) => `const ${name} = ${scriptJson(value)};`);
  return `<script nonce="${escape(nonce)}">\n${lines.join('\n')}\n</script>\n`;
}

/**
 * GET|POST / (§2.3): the chat page, with the constants BareRTC's page gets; `nonce` is the
 * answer's Content-Security-Policy script nonce (http/security-headers.ts).
 */
export function chatPage(settings: BarertcSettings, session: ChatPageSession, where: ProtocolLocations, nonce: string): string {
  const who = session.claims ? `<p class="note" role="status">Signed in by your website as <strong>${escape(session.claims.sub)}</strong>.</p>` : '';
  const chatcli = where.chatcliUrl ? `<code>${escape(where.chatcliUrl)}/ws</code>` : 'its own listener (settings <code>chatcli.listen</code>), path <code>/ws</code>';
  const rows: [string, string][] = [
    ['BareRTC (website chat rooms)', 'WebSocket <code>/ws</code>, long-polling <code>POST /poll</code>, admin API <code>/api/…</code> (e.g. <code>/api/statistics</code>)'],
    ['connor', 'accounts and rooms under <code>/api/v1</code>; room sockets at <code>/api/v1/rooms/&lt;room&gt;/ws</code>'],
    ['ChatCLI', `HTTP under <code>/user/</code> and <code>/chat/</code>; WebSocket on ${chatcli}`],
    ['TrueConf (bot API)', 'OAuth token at <code>/bridge/api/client/v1/oauth/token</code>; WebSocket <code>/websocket/chat_bot/</code>'],
    ['Invites', 'invite links <code>/invite</code>, sign-up <code>/register</code>, API <code>/invites_api</code>'],
  ];
  const table = rows.map(([name, paths]) => `<tr><th scope="row">${name}</th><td>${paths}</td></tr>`).join('\n');
  const body = `<header><h1>${settings.Branding}</h1></header>
<main>${who}
<p>This is a Parley chat server. The web chat page is coming; until then, point any client of these protocols at this server:</p>
<table><thead><tr><th scope="col">Protocol</th><th scope="col">Where</th></tr></thead><tbody>
${table}
</tbody></table>
<p><a href="/about">About this chat room</a></p></main>`;
  // Branding may contain HTML (reference §7), as on BareRTC's page; the title is plain text.
  return page(settings.Title, body, pageConstants(settings, session, nonce));
}

/** GET /about (§2.2). */
export function aboutPage(settings: BarertcSettings): string {
  const site = settings.WebsiteURL ? `<p>Website: <a href="${escape(settings.WebsiteURL)}">${escape(settings.WebsiteURL)}</a></p>` : '';
  return page(`About ${settings.Title}`, `<h1>About ${escape(settings.Title)}</h1>
<p>This chat room runs on Parley, a self-hosted chat server that speaks BareRTC's protocol, so websites built for BareRTC work with it unchanged.</p>
${site}<p><a href="/">Back to the chat room</a></p>`);
}

/** GET /logout (§2.2): the "you have logged out" page, which closes itself as BareRTC's does; `nonce` as for chatPage. */
export function logoutPage(nonce: string): string {
  return page('Logged out', `<h1>Logged out</h1>
<p>You have logged out of the chat room. You may close this page.</p>
<script nonce="${escape(nonce)}">setTimeout(() => window.close(), 5000);</script>`);
}
