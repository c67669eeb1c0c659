import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { eventually } from './wait.js';

/** One mail as the SMTP server received it. */
export interface ReceivedMail {
  readonly from: string;
  /** Envelope recipients, lower-cased. */
  readonly to: readonly string[];
  readonly subject: string;
  /** The body with quoted-printable soft breaks and escapes undone. */
  readonly text: string;
  readonly raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps every mail it accepts. */
export interface SmtpSink {
  readonly url: string;
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Mails received so far for `address`. */
  mailsTo(address: string): ReceivedMail[];
  /** Waits until `address` has received more than `seen` mails; resolves with mail number `seen`. */
  nextMailTo(address: string, seen: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** A header's unfolded value from a raw message, or undefined. */
export function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return head.split('\r\n').find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
}

/** The body of a single-part message, quoted-printable decoded. */
export function decodeBody(raw: string): string {
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  if (!/quoted-printable/i.test(header(raw, 'Content-Transfer-Encoding') ?? '')) return body;
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Start an SMTP server (no auth required, no STARTTLS) on `port` (0 = any free port); `options` adds or overrides server options. */
export async function startSmtpSink(port = 0, options: Partial<SMTPServerOptions> = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { mailFrom, rcptTo } = session.envelope;
        mails.push({
          from: mailFrom === false ? '' : mailFrom.address,
          to: rcptTo.map((r) => r.address.toLowerCase()),
          subject: header(raw, 'Subject') ?? '',
          text: decodeBody(raw),
          raw,
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.server.address() as AddressInfo).port;
  const mailsTo = (address: string) => mails.filter((m) => m.to.includes(address.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${actual}`,
    port: actual,
    mails,
    mailsTo,
    nextMailTo: (address, seen) => eventually(() => {
      const list = mailsTo(address);
      if (list.length <= seen) throw new Error(`no mail #${seen} to ${address} yet (have ${list.length})`);
      return list[seen]!;
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
