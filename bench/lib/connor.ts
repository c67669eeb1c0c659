/** Connor protocol set-up over HTTP (reference/connor.md §4–§5). */

/** Create the account and log in; resolves to the JWT a WebSocket offers as its subprotocol. */
export async function registerAndLogin(baseUrl: string, username: string): Promise<string> {
  const credentials = JSON.stringify({ username, secret: `${username}-bench-secret` });
  const headers = { 'content-type': 'application/json' };
  const created = await fetch(`${baseUrl}/api/v1/users`, { method: 'POST', headers, body: credentials });
  if (created.status !== 201) throw new Error(`POST /api/v1/users: HTTP ${created.status} ${await created.text()}`);
  const login = await fetch(`${baseUrl}/api/v1/login`, { method: 'POST', headers, body: credentials });
  const body = (await login.json()) as { data?: { token?: string } | null };
  const token = body.data?.token;
  if (login.status !== 200 || typeof token !== 'string') throw new Error(`POST /api/v1/login: HTTP ${login.status}`);
  return token;
}

/** The room WebSocket URL for a server base URL (http://host:port). */
export const roomUrl = (baseUrl: string, room: string): string =>
  `${baseUrl.replace(/^http/, 'ws')}/api/v1/rooms/${encodeURIComponent(room)}/messages/ws`;
