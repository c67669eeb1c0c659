/** The invite and registration pages (reference §6–§7): plain, accessible HTML, no external assets. */

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:30rem;margin:0 auto;padding:1.5rem 1rem;line-height:1.5;color:#1d2330}
h1{font-size:1.5rem}a.button,button{display:inline-block;font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#2457c5;color:#fff;text-decoration:none;cursor:pointer}
label{display:block;margin-top:1rem;font-weight:600}.field{display:flex;align-items:center;gap:.3rem}
input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;border:1px solid #99a;border-radius:.3rem}
.qr svg{width:12rem;height:12rem}.error{padding:.6rem;border-left:4px solid #c0392b;background:#fdecea}.note{color:#555}
</style></head><body>
<main>
${body}
</main>
</body></html>
`;
}

/** GET /invite?<token> for a valid invite (§6). */
export const invitePage = (site: string, inviter: string | null, registerUrl: string, uri: string, qrSvg: string): string =>
  page(`Invite to ${site}`, `<link rel="alternate" href="${escape(uri)}">
<h1>Invite to ${escape(site)}</h1>
<p>You have been invited to chat${inviter ? ` with <strong>${escape(inviter)}</strong>` : ''} on <strong>${escape(site)}</strong>.</p>
<p><a class="button" href="${escape(registerUrl)}">Register an account</a></p>
<details><summary>Open this invite on another device</summary>
<p>Scan this code with your phone's camera:</p><div class="qr" role="img" aria-label="QR code of this invite page">${qrSvg}</div></details>
<p class="note">After registering you can sign in with any client this server supports.</p>`);

/** An invalid, used or expired invite: still 200 (§6). */
export const expiredPage = (): string =>
  page('Invite expired', '<h1>Invite expired</h1><p>Sorry, it looks like this invite code has expired!</p>');

/** GET /register and a refused POST /register (§7.1–§7.2). */
export const registerPage = (site: string, domain: string, token: string, options: { fixedUsername: string | null; error?: string; user?: string }): string =>
  page(`Register on ${site}`, `<h1>Register on ${escape(site)}</h1>
${options.error ? `<p class="error" role="alert">${escape(options.error)}</p>` : ''}
<form method="POST" action="register">
<input type="hidden" name="token" value="${escape(token)}">
<label for="user">Username</label>
<div class="field"><input id="user" name="user" type="text" maxlength="30" autocomplete="username" required
 value="${escape(options.fixedUsername ?? options.user ?? '')}"${options.fixedUsername ? ' readonly' : ''}><span>@${escape(domain)}</span></div>
<label for="password">Password</label>
<input id="password" name="password" type="password" minlength="8" autocomplete="new-password" required>
<p><button type="submit">Register</button></p>
</form>`);

/** The success page (§7.3). */
export const successPage = (site: string, address: string, password: string): string =>
  page('Congratulations!', `<h1>Congratulations!</h1>
<p>Your account on ${escape(site)} is ready.</p>
<p>Address: <strong id="address">${escape(address)}</strong></p>
<p>Password: <code>${escape(password)}</code></p>
<p class="note">Keep your password somewhere safe: this page will not be shown again.</p>`);

/** An HTTP error answer: a small page titled with the status text (reference §4, "Error bodies"). */
export const errorPage = (statusText: string): string => page(statusText, `<h1>${escape(statusText)}</h1>`);
