/** The few HTML pages ChatCLI serves (§3, §5.2, §5.8): plain, accessible, no external assets. */

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin-top:1rem}input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1rem}.note{padding:.5rem;border-left:4px solid #36c;background:#eef}</style>
</head><body>
${body}
</body></html>
`;
}

/** GET|POST / . */
export const welcomePage = (): string =>
  page('ChatCLI', '<h1>Welcome to ChatCLI</h1><p>This server speaks the ChatCLI API. Point your ChatCLI client at it to chat.</p><p><a href="/subscribe">Get release notifications by e-mail</a></p>');

/**
 * The answer of ChatCLI's own listener (the one its WebSocket `/ws` lives on) to a plain HTTP
 * request: the welcome page at GET|POST `/` (the main listener's `/` is BareRTC's, issue 10), and
 * `{"detail":"Not Found"}` 404 for anything else.
 */
export function listenerAnswer(method: string, pathname: string): { readonly status: number; readonly contentType: string; readonly body: string } {
  if (pathname === '/' && (method === 'GET' || method === 'HEAD' || method === 'POST')) return { status: 200, contentType: 'text/html; charset=utf-8', body: welcomePage() };
  return { status: 404, contentType: 'application/json', body: '{"detail":"Not Found"}' };
}

/** GET /subscribe, and POST /subscribe for form posts with a flash message. */
export const subscribePage = (flash?: string): string =>
  page('Subscribe', `<h1>Release notifications</h1>${flash ? `<p class="note" role="status">${escape(flash)}</p>` : ''}
<form method="POST" action="/subscribe"><label for="email">E-mail address</label><input id="email" name="email" type="email" required autocomplete="email">
<button type="submit">Subscribe</button></form>`);

/** GET /user/reset-password: the form that posts the new password. */
export const resetPasswordPage = (token: string, username: string): string =>
  page('Reset password', `<h1>Choose a new password</h1><p>For <strong>${escape(username)}</strong>. At least 8 characters, with upper- and lower-case letters, a digit and a special character.</p>
<form method="POST" action="/user/reset-password">
<input type="hidden" name="token" value="${escape(token)}"><input type="hidden" name="username" value="${escape(username)}">
<label for="password">New password</label><input id="password" name="password" type="password" required autocomplete="new-password">
<label for="confirm_password">Repeat it</label><input id="confirm_password" name="confirm_password" type="password" required autocomplete="new-password">
<button type="submit">Reset password</button></form>`);

/** Flask's default error pages, which the original answers for body-parsing failures and oversized bodies (§3). */
export const flaskError = (status: 400 | 404 | 405 | 413 | 415): string => {
  const [title, text] = {
    400: ['Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'],
    404: ['Not Found', 'The requested URL was not found on the server.'],
    405: ['Method Not Allowed', 'The method is not allowed for the requested URL.'],
    413: ['Request Entity Too Large', 'The data value transmitted exceeds the capacity limit.'],
    415: ['Unsupported Media Type', 'Did not attempt to load JSON data because the request Content-Type was not \'application/json\'.'],
  }[status];
  return `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${text}</p>\n`;
};
