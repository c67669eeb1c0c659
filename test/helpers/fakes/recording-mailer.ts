import type { Mail, Mailer } from '../../../src/core/ports/mailer.js';

/** A mailer that keeps what it was asked to send; `failing` makes every send reject. */
export class RecordingMailer implements Mailer {
  readonly sent: Mail[] = [];
  failing = false;
  async send(mail: Mail): Promise<void> {
    if (this.failing) throw new Error('mail transport down');
    this.sent.push(mail);
  }
  /** The last mail sent to `to`. */
  last(to: string): Mail | undefined {
    return this.sent.filter((m) => m.to === to).at(-1);
  }
}
