import type { Logger } from '../../logger.js';

/** The webhooks BareRTC knows (§6.3): user reports and profile cards. */
export type WebhookName = 'report' | 'profile';

/** One `[[WebhookURLs]]` entry. */
export interface WebhookSetting {
  readonly name: string;
  readonly enabled: boolean;
  readonly url: string;
}

/** What a report carries to the website (§6.3 `report` payload). */
export interface Report {
  readonly fromUsername: string;
  readonly aboutUsername: string;
  readonly channel: string;
  readonly timestamp: string;
  readonly reason: string;
  readonly message: string;
  readonly comment: string;
}

/** Why a webhook call did not give a usable answer; `message` is safe to show to the caller. */
export class WebhookError extends Error {}

/**
 * BareRTC's outgoing webhooks: a JSON POST carrying `Action` and `APIKey` (the AdminAPIKey) with a
 * 10-second timeout (§6.3). Calls are plain promises: a socket never waits on one before it goes
 * on reading (callers do not await them on the frame path, or await them off it).
 */
export interface Webhooks {
  enabled(name: WebhookName): boolean;
  /** POST `body` (plus Action and APIKey) and return the parsed JSON answer of a 200, or throw WebhookError. */
  call(name: WebhookName, body: Record<string, unknown>): Promise<unknown>;
  /** Send a report; resolves to the line BareRTC tells the reporter (§6.3 replies), never rejects. */
  report(report: Report): Promise<string>;
}

export interface WebhookOptions {
  /** Read on every call, so a reconfigure takes effect at once. */
  readonly settings: () => readonly WebhookSetting[];
  readonly adminApiKey: string;
  readonly logger: Logger;
  readonly timeoutMs?: number;
  readonly fetch?: typeof globalThis.fetch;
}

/** Largest webhook answer read (a profile card is small; a website that streams megabytes is cut off). */
const MAX_ANSWER_BYTES = 1_048_576;

export function createWebhooks(options: WebhookOptions): Webhooks {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const find = (name: WebhookName) => options.settings().find((w) => w.name === name && w.enabled && w.url !== '');

  async function call(name: WebhookName, body: Record<string, unknown>): Promise<unknown> {
    const hook = find(name);
    if (!hook) throw new WebhookError(`the ${name} webhook is not enabled`);
    let res: Response;
    try {
      res = await doFetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Action: name, APIKey: options.adminApiKey, ...body }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new WebhookError(err instanceof Error && err.name === 'TimeoutError' ? 'the website did not answer in time' : 'the website could not be reached');
    }
    const text = await readCapped(res);
    if (res.status !== 200) throw new WebhookError(`the website answered with status ${res.status}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new WebhookError('the website did not answer with JSON');
    }
  }

  return {
    enabled: (name) => find(name) !== undefined,
    call,
    async report(r) {
      if (!find('report')) return 'Unfortunately, the report webhook is not enabled so your report could not be received!';
      try {
        await call('report', {
          Report: { FromUsername: r.fromUsername, AboutUsername: r.aboutUsername, Channel: r.channel, Timestamp: r.timestamp, Reason: r.reason, Message: r.message, Comment: r.comment },
        });
        return 'Your report has been delivered successfully.';
      } catch (err) {
        options.logger.warn({ err }, 'barertc report webhook failed');
        return `Error sending the report to the website: ${err instanceof Error ? err.message : 'unknown error'}`;
      }
    },
  };
}

/** The body as text, refusing to hold more than MAX_ANSWER_BYTES. */
async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) throw new WebhookError('the website answered with too much data');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
