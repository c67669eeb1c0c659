import type { Transporter } from 'nodemailer';
import { ChatError } from '../core/errors.js';
import type { Mailer } from '../core/ports/mailer.js';

/** Options for {@link createSmtpMailer}. */
export interface SmtpMailerOptions {
  /**
   * Connection URL. `smtp://host:587` connects in plain text and upgrades with STARTTLS when the
   * server offers it; `smtps://user:pass@host:465` uses TLS from the start. Query parameters become
   * nodemailer transport options, e.g. `?pool=true&connectionTimeout=10000` (milliseconds).
   * May carry credentials, so it never appears in error messages.
   */
  readonly url: string;
  /** The `From` of every mail, e.g. `Parley <noreply@example.org>`. */
  readonly from: string;
}

/** A {@link Mailer} that also owns a connection (pool) to close on shutdown. */
export type ClosableMailer = Mailer & {
  /** Closes the transport's connections. Later `send` calls reject with `UNAVAILABLE`. Idempotent. */
  close(): Promise<void>;
};

/**
 * A {@link Mailer} that hands every mail to an SMTP server through nodemailer.
 *
 * nodemailer is loaded with `await import()` on the first `send`, not here, so an install that
 * never sends mail never loads it, and this factory stays synchronous. `send` resolves once the
 * server accepted the message and rejects with nodemailer's own error otherwise (its `code` is
 * e.g. `ECONNECTION`, `EAUTH`, `EENVELOPE`, `ETIMEDOUT`; `responseCode` holds the SMTP status).
 *
 * @throws TypeError when `url` is not an `smtp:` or `smtps:` URL.
 */
export function createSmtpMailer(options: SmtpMailerOptions): ClosableMailer {
  if (!isSmtpUrl(options.url)) throw new TypeError('The mail URL must start with smtp:// or smtps://');
  let transporter: Promise<Transporter> | undefined;
  let closed = false;
  const transport = (): Promise<Transporter> =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(options.url)));

  return {
    async send(mail) {
      if (closed) throw new ChatError('UNAVAILABLE', 'The mailer is closed');
      const smtp = await transport();
      await smtp.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html === undefined ? {} : { html: mail.html }),
      });
    },
    async close() {
      closed = true;
      // A transport that failed to load has nothing to close; its error was already reported by send.
      const smtp = await transporter?.catch(() => undefined);
      smtp?.close();
    },
  };
}

function isSmtpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'smtp:' || protocol === 'smtps:';
  } catch {
    return false;
  }
}
