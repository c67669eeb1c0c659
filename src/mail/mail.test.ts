import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SMTPServerOptions } from 'smtp-server';
import { decodeBody, header, startSmtpSink, type ReceivedMail } from '../../test/helpers/smtp-sink.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutboxMailer, type OutboxMailSummary } from './outbox-mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real SMTP peer on 127.0.0.1, port 0; stopped after the test. */
async function startSmtpServer(options: Partial<SMTPServerOptions> = {}): Promise<{ url: string; received: ReceivedMail[] }> {
  const sink = await startSmtpSink(0, options);
  cleanups.push(() => sink.close());
  return { url: sink.url, received: sink.mails };
}

const decodedBody = decodeBody;

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-mail-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('createSmtpMailer', () => {
  it('delivers the mail to a real SMTP server', async () => {
    const smtp = await startSmtpServer();
    const mailer = createSmtpMailer({ url: smtp.url, from: 'Parley <noreply@parley.test>' });
    cleanups.push(() => mailer.close());
    // Longer than 76 characters, so nodemailer has to fold it with quoted-printable soft breaks.
    const link = `https://chat.example.org/reset?token=${'a1b2c3d4'.repeat(8)}`;

    await mailer.send({ to: 'ada@example.org', subject: 'Your Parley code', text: `Your code is 482913.\nOr open ${link}\n` });

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.from).toBe('noreply@parley.test');
    expect(mail?.to).toEqual(['ada@example.org']);
    const raw = mail?.raw ?? '';
    expect(header(raw, 'To')).toBe('ada@example.org');
    expect(header(raw, 'Subject')).toBe('Your Parley code');
    expect(header(raw, 'From')).toBe('Parley <noreply@parley.test>');
    expect(decodedBody(raw)).toContain('Your code is 482913.');
    expect(header(raw, 'Content-Transfer-Encoding')).toBe('quoted-printable');
    expect(decodedBody(raw)).toContain(link);
  });

  it('rejects with the server’s error when the recipient is refused', async () => {
    const smtp = await startSmtpServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      },
    });
    const mailer = createSmtpMailer({ url: smtp.url, from: 'noreply@parley.test' });
    cleanups.push(() => mailer.close());

    await expect(mailer.send({ to: 'nobody@example.org', subject: 'Hi', text: 'Hi' })).rejects.toMatchObject({
      code: 'EENVELOPE',
      responseCode: 550,
    });
    expect(smtp.received).toHaveLength(0);
  }, 10_000);

  it('rejects when nothing listens on the port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'noreply@parley.test' });
    cleanups.push(() => mailer.close());

    await expect(mailer.send({ to: 'ada@example.org', subject: 'Hi', text: 'Hi' })).rejects.toMatchObject({ code: 'ESOCKET' });
  }, 10_000);

  it('rejects sends after close with UNAVAILABLE', async () => {
    const smtp = await startSmtpServer();
    const mailer = createSmtpMailer({ url: smtp.url, from: 'noreply@parley.test' });
    await mailer.close();

    await expect(mailer.send({ to: 'ada@example.org', subject: 'Hi', text: 'Hi' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(smtp.received).toHaveLength(0);
  });

  it('refuses a URL that is not smtp: or smtps:, without echoing it', () => {
    const attempt = (): unknown => createSmtpMailer({ url: 'https://user:secret@example.org', from: 'a@b.c' });
    expect(attempt).toThrow(TypeError);
    expect(attempt).not.toThrow(/secret/);
  });
});

describe('createOutboxMailer', () => {
  it('writes one readable .eml file per mail and reports its links and codes', async () => {
    const dir = join(await tempDir(), 'outbox');
    const summaries: OutboxMailSummary[] = [];
    const mailer = createOutboxMailer({ dir, from: 'noreply@parley.test', onMail: (summary) => summaries.push(summary) });
    cleanups.push(() => mailer.close());
    const link = `https://chat.example.org/reset?token=${'a1b2c3d4'.repeat(8)}&n=123456`;

    await mailer.send({ to: 'ada@example.org', subject: 'Your Parley code', text: 'Your code is 482913 (not 1234567).' });
    await mailer.send({ to: 'bob@example.org', subject: 'Reset\r\nBcc: evil@example.org', text: `Open ${link}.\nIt expires in 1 hour.` });

    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((name) => /^\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]{8}\.eml$/.test(name))).toBe(true);
    expect(summaries.map((s) => s.file)).toEqual(files.map((name) => join(dir, name)));
    expect((await stat(join(dir, files[0] ?? ''))).mode & 0o777).toBe(0o600);

    const first = await readFile(join(dir, files[0] ?? ''), 'utf8');
    expect(header(first, 'To')).toBe('ada@example.org');
    expect(header(first, 'Subject')).toBe('Your Parley code');
    expect(first).toContain('\r\n\r\nYour code is 482913 (not 1234567).');
    const second = await readFile(join(dir, files[1] ?? ''), 'utf8');
    expect(second).toContain(link); // verbatim: no quoted-printable folding
    expect(header(second, 'Bcc')).toBeUndefined();

    expect(summaries).toEqual([
      { to: 'ada@example.org', subject: 'Your Parley code', file: join(dir, files[0] ?? ''), links: [], codes: ['482913'] },
      {
        to: 'bob@example.org',
        subject: 'Reset\r\nBcc: evil@example.org',
        file: join(dir, files[1] ?? ''),
        links: [link],
        codes: [],
      },
    ]);
  });

  it('writes the HTML version as a second part', async () => {
    const dir = await tempDir();
    const mailer = createOutboxMailer({ dir });
    cleanups.push(() => mailer.close());

    await mailer.send({ to: 'ada@example.org', subject: 'Hi', text: 'Code 482913', html: '<p>Code <b>482913</b></p>' });

    const [name] = await readdir(dir);
    const eml = await readFile(join(dir, name ?? ''), 'utf8');
    expect(header(eml, 'Content-Type')).toMatch(/^multipart\/alternative; boundary="parley-[0-9a-f]+"$/);
    expect(eml).toContain('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCode 482913');
    expect(eml).toContain('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<p>Code <b>482913</b></p>');
  });

  it('rejects when the folder cannot be created', async () => {
    const blocker = join(await tempDir(), 'not-a-folder');
    await writeFile(blocker, '');
    const onMail = (): void => {
      throw new Error('onMail must not run');
    };
    const mailer = createOutboxMailer({ dir: join(blocker, 'outbox'), onMail });
    cleanups.push(() => mailer.close());

    await expect(mailer.send({ to: 'ada@example.org', subject: 'Hi', text: 'Hi' })).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
