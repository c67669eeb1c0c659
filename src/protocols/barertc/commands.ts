import type { Core } from '../../core/core.js';
import type { Principal } from '../../core/model/principal.js';
import { controlPayload } from './control.js';
import { renderMarkdown } from './render.js';
import { entryOf, type Roster } from './roster.js';
import type { Webhooks } from './webhooks.js';
import { Video, chatServer, frame } from './wire.js';

/**
 * Split a chat line shell-style, as BareRTC does (go-shellwords): blanks separate words, single
 * and double quotes group them, a backslash escapes the next character (not inside single
 * quotes). Null when the quoting is unbalanced — BareRTC then posts the line as ordinary text.
 */
export function shellWords(line: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= line.length) return null;
      word += line[++i];
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) return null;
  if (inWord) words.push(word);
  return words;
}

/** The operator commands of §6.1, by their first word. */
export const COMMANDS = ['/kick', '/ban', '/unban', '/bans', '/nsfw', '/cut', '/unmute-all', '/help', '/help-advanced', '/shutdown', '/kickall', '/reconfigure', '/op', '/deop'] as const;
type CommandName = (typeof COMMANDS)[number];
const isCommand = (w: string): w is CommandName => (COMMANDS as readonly string[]).includes(w);

/**
 * An operator command, or null when the line is to be posted as text: not a `/word`, unbalanced
 * quotes, an unknown command, or a sender who is not an operator (§6.1).
 */
export function parseCommand(text: string, isOperator: boolean): { name: CommandName; args: string[] } | null {
  if (!isOperator || !text.startsWith('/')) return null;
  const words = shellWords(text);
  const [first, ...args] = words ?? [];
  if (first === undefined || !isCommand(first)) return null;
  return { name: first, args };
}

/** What a command needs besides the core: the session that runs it and the server's hooks. */
export interface CommandHost {
  readonly core: Core;
  readonly roster: Roster;
  readonly webhooks: Webhooks;
  /** The operator's principal and name. */
  readonly principal: Principal;
  /** Tell the operator something (a ChatServer notice). */
  notice(text: string): void;
  /** `/unmute-all`: the operator stays visible to users who block them (§4.6). */
  markUnblockable(): void;
  /** `/shutdown`: end the process (non-zero, so a supervisor restarts it); injected so tests can watch it. */
  exit(code: number): void;
  /** `/reconfigure`: reload the settings on every node; rejects with a message the operator is shown. */
  reconfigure: (() => Promise<void>) | null;
  /** `/kickall` links to the landing page when JWT is on and one is set. */
  readonly landingPageUrl: string | null;
  readonly now?: () => number;
}

const HELP =
  'The most common moderator commands on chat are:\n\n' +
  '* `/kick <username>` to kick from chat\n' +
  '* `/ban <username> <duration>` to ban from chat (default duration is 24 (hours))\n' +
  '* `/unban <username>` to list the ban on a user\n' +
  '* `/bans` to list current banned users and their expiration date\n' +
  '* `/nsfw <username>` to mark their camera NSFW\n' +
  '* `/cut <username>` to make them turn off their camera\n' +
  '* `/help` to show this message\n' +
  '* `/help-advanced` to show advanced admin commands\n\n' +
  'Note: shell-style quoting is supported, if a username has a space in it, quote the whole username, e.g.: `/kick "username 2"`';

const HELP_ADVANCED =
  "The following are **dangerous** commands that you should not use unless you know what you're doing:\n\n" +
  '* `/op <username>` to grant operator rights to a user\n' +
  '* `/deop <username>` to remove operator rights from a user\n' +
  '* `/shutdown` to gracefully shut down (reboot) the chat server\n' +
  '* `/kickall` to kick EVERYBODY off and force them to log back in\n' +
  '* `/reconfigure` to dynamically reload the chat server settings file\n' +
  '* `/help-advanced` to show this message';

/** BareRTC's usage lines for a command run without its argument (our choice: answered, not a crash). */
const USAGE: Partial<Record<CommandName, string>> = {
  '/kick': 'Usage: `/kick username` to remove the user from the chat room.\n\nNote: if the username has spaces in it, quote the name (shell style), `/kick "username 2"`',
  '/ban': 'Usage: `/ban username` to remove the user from the chat room for 24 hours (default).\n\nSet another duration (in hours) like: `/ban username 2` for a 2-hour ban.',
  '/unban': 'Usage: `/unban username` to lift the ban on a user and allow them back into the chat room.',
  '/nsfw': 'Usage: `/nsfw username` to add the NSFW flag to their camera.',
  '/cut': 'Usage: `/cut username` to turn their camera off.',
  '/op': 'Usage: `/op username` to grant temporary operator rights to a user.',
  '/deop': 'Usage: `/deop username` to remove operator rights from a user.',
};

/** What everyone is told before the process exits (§6.1 /shutdown, §2.3 /api/shutdown). */
export const SHUTDOWN_NOTICE = 'The chat server is going down for a reboot NOW!';

/** Go's time.RFC3339 (seconds, UTC here). */
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Run an operator command (the sender's operator standing was checked by parseCommand). Replies
 * go to the operator as ChatServer notices with BareRTC's texts; effects on other users travel
 * through the core, so they reach the target's sessions on every node.
 */
export async function runCommand(host: CommandHost, name: CommandName, args: readonly string[]): Promise<void> {
  const { core, roster, notice } = host;
  const me = host.principal.username;
  const usage = USAGE[name];
  if (usage !== undefined && args.length === 0) return notice(renderMarkdown(usage) ?? usage);
  const target = (args[0] ?? '').replace(/^@/, '');
  const online = async () => (await roster.onlineNames()).get(target);

  switch (name) {
    case '/help':
      return notice(renderMarkdown(HELP)!);
    case '/help-advanced':
      return notice(renderMarkdown(HELP_ADVANCED)!);

    case '/kick': {
      if (!(await online())) return notice(`/kick: username not found: ${target}`);
      if (target === me) return notice('/kick: did you really mean to kick yourself?');
      await core.presence.announce('barertc', { username: target, kind: 'kicked', end: { message: `You have been kicked from the chat room by ${me}` } });
      return notice(`${target} has been kicked from the room`);
    }

    case '/ban': {
      // BareRTC: hours must be an integer, otherwise the default; a non-positive count is the default too (our choice).
      const hours = /^[+-]?\d+$/.test(args[1] ?? '') && Number(args[1]) > 0 ? Number(args[1]) : 24;
      const user = await core.users.findByUsername(target);
      if (!user) return notice(`/ban: username not found: ${target}`);
      // The target's sessions are told first: the ban itself closes what is left of them.
      if (await online()) await core.presence.announce('barertc', { username: target, kind: 'banned', end: { message: `You have been banned from the chat room by ${me}. You may come back after ${hours} hours.` } });
      // Actor null: a BareRTC operator is one by the website's JWT (`op`) or a session's /op grant,
      // which the core's stored operator flag does not know; the adapter checked the standing.
      await core.moderation.ban(null, user.id, null, `Banned by ${me}`, hours * 3_600_000);
      return notice(`${target} has been banned from the room for ${hours} hours.`);
    }

    case '/unban': {
      const user = await core.users.findByUsername(target);
      if (user && (await core.moderation.unban(null, user.id, null))) return notice(`The ban on ${target} has been lifted.`);
      return notice(`/unban: user ${target} was not found to be banned. Try \`/bans\` to see current banned users.`);
    }

    case '/bans': {
      const bans = await core.moderation.bans();
      const lines = bans.map((b) => `* \`${b.username}\` banned until ${b.until === null ? 'forever' : rfc3339(b.until)}`);
      return notice(renderMarkdown(`The listing of banned users currently includes:\n\n${lines.join('\n')}`)!);
    }

    case '/nsfw': {
      const session = await online();
      const entry = session ? entryOf(session) : null;
      if (!session || !entry) return notice(`/nsfw: username not found: ${target}`);
      if ((entry.video & Video.Active) === 0) return notice(`/nsfw: ${target}'s camera was not currently enabled.`);
      if ((entry.video & Video.NSFW) !== 0) return notice(`/nsfw: ${target}'s camera was already marked as explicit.`);
      // BareRTC leaves the operator's name out when the target had booted them; Parley always
      // names the operator (README: differences).
      const message =
        "Just a friendly reminder to mark your camera as 'Explicit' by using the button at the top of the page if you are going to be sexual on webcam.<br><br>" +
        `Your camera has been marked as Explicit for you by @${me}`;
      await core.presence.signal('barertc', session.userId, controlPayload({ kind: 'nsfw', message }));
      notice(`${target} now has their camera marked as Explicit`);
      // The report is not awaited: a slow website never holds up the operator's socket.
      void host.webhooks.report({
        fromUsername: me,
        aboutUsername: target,
        channel: 'n/a',
        timestamp: rfc3339((host.now ?? Date.now)()),
        reason: 'NSFW Command Issued',
        message: `The admin @${me} marks the webcam red for user @${target}`,
        comment: 'An admin marked their webcam as explicit.',
      });
      return;
    }

    case '/cut': {
      const session = await online();
      const entry = session ? entryOf(session) : null;
      if (!session || !entry) return notice(`/cut: username not found: ${target}`);
      if ((entry.video & Video.Active) === 0) return notice(`/cut: ${target}'s camera was not currently enabled.`);
      await core.presence.signal('barertc', session.userId, frame({ action: 'cut' }));
      return notice(`${target} has been told to turn off their camera.`);
    }

    case '/op':
    case '/deop': {
      const session = await online();
      if (!session) return notice(`${name}: user ${target} was not found.`);
      await core.presence.signal('barertc', session.userId, controlPayload({ kind: 'op', op: name === '/op' }));
      return notice(name === '/op' ? `Operator rights have been granted to ${target}` : `Operator rights have been taken from ${target}`);
    }

    case '/unmute-all': {
      const muted = await core.moderation.related(host.principal.id, 'mute');
      for (const id of muted) await core.moderation.unrelate(host.principal, id, 'mute');
      host.markUnblockable();
      roster.refresh();
      return notice(`Your mute on ${muted.length} users has been lifted.`);
    }

    case '/shutdown': {
      await broadcastNotice(host, SHUTDOWN_NOTICE);
      return host.exit(1);
    }

    case '/kickall': {
      const text = host.landingPageUrl
        ? `<strong>Notice:</strong> The chat operator has requested that you log back in to the chat room. Probably, this is because a new feature was launched that needs you to reload the page. You may refresh the tab or <a href="${host.landingPageUrl.replace(/"/g, '&quot;')}">click here</a> to re-enter the room.`
        : '<strong>Notice:</strong> The chat operator has kicked everybody from the room. Usually, this may mean a new feature of the chat has been launched and you need to reload the page for it to function correctly.';
      // Each user's sessions, on every node, are told the notice and then `disconnect`.
      for (const username of (await roster.onlineNames()).keys()) await core.presence.announce('barertc', { username, kind: null, end: { message: text } });
      return;
    }

    case '/reconfigure': {
      if (!host.reconfigure) return notice('Error reloading the server config: reloading is not available on this server');
      try {
        await host.reconfigure();
      } catch (err) {
        return notice(`Error reloading the server config: ${err instanceof Error ? err.message : String(err)}`);
      }
      return notice('The server config file has been reloaded successfully!');
    }
  }
}

/**
 * A ChatServer notice to every BareRTC session on every node. It is sent as a roster-wide signal
 * to each online user rather than a broadcast attributed to the operator, so a user who muted the
 * operator still gets it.
 */
async function broadcastNotice(host: CommandHost, text: string): Promise<void> {
  const payload = frame(chatServer(text));
  for (const session of (await host.roster.onlineNames()).values()) await host.core.presence.signal('barertc', session.userId, payload);
}
