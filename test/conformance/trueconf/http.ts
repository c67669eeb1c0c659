import { ConformanceError, isObject } from './models.js';
import { validateServerInfo, validateTokenLocally, validateTokenResponse, validateUploadAnswer, type TokenResponse } from './methods.js';

// The HTTP side of the TrueConf conformance client: token, server info, file upload
// (reference/trueconf.md §6, §7.1), sent as python-trueconf-bot sends them.

/** The token endpoint refused the grant (§6.1): HTTP status plus the RFC 6749 `error` fields. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(readonly status: number, readonly error: string, readonly errorDescription: string | undefined) {
    super(`oauth/token answered ${status} ${error}${errorDescription === undefined ? '' : `: ${errorDescription}`}`);
  }
}

/** `base` without trailing slashes, then `path`. */
export const join = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}`;

async function readJson(res: Response, where: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConformanceError(where, '', `is not JSON (HTTP ${res.status}): ${text.slice(0, 80)}`);
  }
}

/**
 * `POST /bridge/api/client/v1/oauth/token` with the python client's JSON body. Resolves with the
 * validated 201 body after checking the token locally as python does. Throws {@link OAuthError}
 * on a 4xx carrying `error` (a 400 must also carry `error_description`, which python needs to
 * raise its typed error), and {@link ConformanceError} on any other status or shape.
 */
export async function fetchToken(baseUrl: string, username: string, password: string): Promise<TokenResponse> {
  const where = 'POST /bridge/api/client/v1/oauth/token';
  const res = await fetch(join(baseUrl, '/bridge/api/client/v1/oauth/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'chat_bot', grant_type: 'password', username, password }),
  });
  const body = await readJson(res, where);
  if (res.status === 201) {
    const token = validateTokenResponse(body);
    validateTokenLocally(token.access_token);
    return token;
  }
  if (res.status >= 400 && res.status < 500 && isObject(body) && typeof body.error === 'string') {
    const description = body.error_description;
    if (res.status === 400 && typeof description !== 'string') {
      throw new ConformanceError(`${where} 400 body`, 'error_description', `must be a string, got ${typeof description}`);
    }
    throw new OAuthError(res.status, body.error, typeof description === 'string' ? description : undefined);
  }
  throw new ConformanceError(where, '', `answered HTTP ${res.status} ${JSON.stringify(body).slice(0, 80)} (expected 201, or 4xx with "error")`);
}

/** `GET /api/v4/server`, as the python client's version check does first (§7.1). */
export async function serverInfo(baseUrl: string): Promise<ReturnType<typeof validateServerInfo>> {
  const res = await fetch(join(baseUrl, '/api/v4/server'));
  if (!res.ok) throw new ConformanceError('GET /api/v4/server', '', `answered HTTP ${res.status}`);
  return validateServerInfo(await readJson(res, 'GET /api/v4/server'));
}

/** A file part for {@link uploadFile}. */
export interface FilePart { readonly fileName: string; readonly bytes: Uint8Array; readonly contentType: string }

/**
 * `POST /bridge/api/client/v1/files` (§6.2): multipart field `file` (and `preview` when given),
 * header `Upload-Task-Id`, no other auth. Requires a 2xx and resolves with the `temporalFileId`.
 */
export async function uploadFile(baseUrl: string, uploadTaskId: string, fileName: string, bytes: Uint8Array, contentType: string, preview?: FilePart): Promise<string> {
  const where = 'POST /bridge/api/client/v1/files';
  const form = new FormData();
  form.append('file', new Blob([Uint8Array.from(bytes)], { type: contentType }), fileName);
  if (preview !== undefined) form.append('preview', new Blob([Uint8Array.from(preview.bytes)], { type: preview.contentType }), preview.fileName);
  const res = await fetch(join(baseUrl, '/bridge/api/client/v1/files'), { method: 'POST', headers: { 'Upload-Task-Id': uploadTaskId }, body: form });
  const body = await readJson(res, where);
  if (!res.ok) throw new ConformanceError(where, '', `answered HTTP ${res.status} ${JSON.stringify(body).slice(0, 80)}`);
  return validateUploadAnswer(body);
}
