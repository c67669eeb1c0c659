import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChatError } from '../core/errors.js';
import type { Mail } from '../core/ports/mailer.js';
import type { ClosableMailer } from './smtp-mailer.js';

/** What {@link createOutboxMailer} reports for each mail it wrote. */
export interface OutboxMailSummary {
  readonly to: string;
  readonly subject: string;
  /** Path of the written `.eml` file: `join(dir, name)`. */
  readonly file: string;
  /** The http(s) URLs in the text body, in order, without duplicates. */
  readonly links: string[];
  /** The 6-digit numbers in the text body outside links, in order, without duplicates. */
  readonly codes: string[];
}

/** Options for {@link createOutboxMailer}. */
export interface OutboxMailerOptions {
  /** Folder for the mail files; created (mode 0700) when missing. */
  readonly dir: string;
  /** The `From` header of each file; omitted when not given. */
  readonly from?: string;
  /**
   * Called after each file is written, so the caller can log the code or link. Runs inside `send`:
   * if it throws, `send` rejects with that error (the file stays written).
   */
  readonly onMail?: (summary: OutboxMailSummary) => void;
}

const LINK = /https?:\/\/[^\s<>"'`]+/g;
const CODE = /\b\d{6}\b/g;

/**
 * A `Mailer` for installs without a mail server: each mail becomes one file in `dir`,
 * named `<UTC timestamp>-<random>.eml` so names sort by time. The file is an RFC 5322 message
 * with 8-bit UTF-8 body and headers (RFC 6532), so it reads as plain text and opens in a mail
 * client. Files are mode 0600: they hold login codes and reset links.
 *
 * `send` rejects with the file system error when the folder or file cannot be written, and with
 * `UNAVAILABLE` after `close()`.
 */
export function createOutboxMailer(options: OutboxMailerOptions): ClosableMailer {
  const pending = new Set<Promise<unknown>>();
  let closed = false;

  async function write(mail: Mail): Promise<void> {
    const stamp = new Date();
    const file = join(options.dir, `${stamp.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    // 'wx': never overwrite another mail, even on a random-suffix collision.
    await writeFile(file, toEml(mail, stamp, options.from), { flag: 'wx', mode: 0o600 });
    options.onMail?.({ to: mail.to, subject: mail.subject, file, ...findLinksAndCodes(mail.text) });
  }

  return {
    async send(mail) {
      if (closed) throw new ChatError('UNAVAILABLE', 'The mailer is closed');
      const written = write(mail);
      pending.add(written);
      try {
        await written;
      } finally {
        pending.delete(written);
      }
    },
    async close() {
      closed = true;
      await Promise.allSettled([...pending]);
    },
  };
}

/** The URLs and the 6-digit codes in `text`; a number inside a URL is not a code. */
export function findLinksAndCodes(text: string): { links: string[]; codes: string[] } {
  // Sentence punctuation right after a URL ("Open https://x/y.") is not part of it.
  const links = [...text.matchAll(LINK)].map(([url]) => url.replace(/[.,;:!?)\]}]+$/, ''));
  const codes = [...text.replace(LINK, ' ').matchAll(CODE)].map(([code]) => code);
  return { links: [...new Set(links)], codes: [...new Set(codes)] };
}

function toEml(mail: Mail, date: Date, from: string | undefined): string {
  const headers = [
    ...(from === undefined ? [] : [`From: ${headerValue(from)}`]),
    `To: ${headerValue(mail.to)}`,
    `Subject: ${headerValue(mail.subject)}`,
    `Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`,
    'MIME-Version: 1.0',
  ];
  const text = part('text/plain', mail.text);
  if (mail.html === undefined) return crlf([...headers, ...text].join('\n'));
  const boundary = `parley-${randomBytes(12).toString('hex')}`;
  const body = [
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    ...['', `--${boundary}`, ...text, '', `--${boundary}`, ...part('text/html', mail.html), '', `--${boundary}--`, ''],
  ];
  return crlf([...headers, ...body].join('\n'));
}

function part(type: string, content: string): string[] {
  return [`Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: 8bit', '', content];
}

/** Control characters (CR and LF above all) would start new headers; they become spaces. */
function headerValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function crlf(message: string): string {
  return message.replace(/\r?\n/g, '\r\n');
}
