/** One outgoing e-mail. */
export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** Sends mail. Rejects when the mail could not be handed to the transport. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}
