import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { ConversationId, UserId } from '../../core/model/ids.js';
import type { Message } from '../../core/model/message.js';
import type { Principal } from '../../core/model/principal.js';
import type { User } from '../../core/model/user.js';
import type { Logger } from '../../logger.js';
import type { MessageFilters } from './filters.js';
import type { Webhooks } from './webhooks.js';
import { transientMessageId, type ClientFrame } from './wire.js';
import type { ChannelRooms } from './rooms.js';

/**
 * The message path of BareRTC's `/ws` after the command check (reference/barertc.md §4.3, §6.2,
 * §6.3): message filters, public lines, and the `report` action. DMs are in dm.ts. socket.ts only
 * decodes the frame and calls in here.
 */

/** The sending session, as socket.ts hands it over. */
export interface Sender {
  readonly principal: Principal;
  readonly user: User;
  readonly op: boolean;
  /** Send a frame on this socket. */
  send(value: unknown): void;
  /** A ChatServer notice on this socket. */
  notice(text: string): void;
  /** The DM channel (`@name`) of a direct conversation, so its stored lines are framed for this socket. */
  rememberPeer(conversationId: ConversationId, name: string): void;
}

/** What the path is built from (once per socket route). */
export interface MessagePathDeps {
  readonly core: Core;
  /** The channels' rooms, looked up once. */
  readonly rooms: ChannelRooms;
  readonly logger: Logger;
  readonly webhooks: Webhooks;
  readonly render: (text: string) => string | null;
  readonly filters: MessageFilters;
  /** The public channel ids, asked at use (they change on `/reconfigure`). */
  readonly channelIds: { has(id: string): boolean };
  readonly now?: () => number;
}

/** Lines of context a filter report or a DM report carries (BareRTC: 30). */
export const CONTEXT_LINES = 30;

/** Go's time.RFC3339 (seconds, UTC here). */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A context line as BareRTC prints it: `2006-01-02 15:04:05 [name] text` (server local time). */
function contextLine(at: number, username: string, text: string): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} [${username}] ${text.trim()}`;
}

/** A line as screen() leaves it: the text to store and the HTML to show, or null when it goes no further. */
export interface Screened {
  readonly text: string;
  readonly html: string;
}

export interface MessagePath {
  /**
   * Run the message filters (§6.2) on a line for `channel` (`lobby` or `@bob`): null when the line
   * stops here (a filter that does not forward it: only the sender saw it), else what to send on.
   * `exempt`: a DM where either party is an operator.
   */
  screen(sender: Sender, channel: string, text: string, html: string, exempt: boolean, peerId: UserId | null): Promise<Screened | null>;
  /** A public line (§4.3 message, §4.8): filters, then the core room. */
  channel(sender: Sender, channel: string, text: string): Promise<void>;
  /** §4.3 `report`: to the website's report webhook, never holding up the socket. */
  report(sender: Sender, f: ClientFrame): Promise<void>;
  /** Recent lines of a DM pair, oldest first, as BareRTC's reports show them. */
  dmContext(reader: Principal, peerId: UserId | null, extra?: string): Promise<string>;
}

const NO_CONTEXT = '(No recent message history in this channel)';
/** A censored match in stored Markdown: escaped asterisks, shown as asterisks once rendered. */
const markdownMask = (n: number) => '\\*'.repeat(n);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function createMessagePath(deps: MessagePathDeps): MessagePath {
  const { core, logger, webhooks, render, filters } = deps;
  const now = deps.now ?? Date.now;

  async function linesOf(messages: readonly Message[]): Promise<string[]> {
    const authors = await core.users.findMany(messages.map((m) => m.authorId));
    return messages.map((m) => contextLine(m.createdAt, authors.get(m.authorId)?.username ?? 'unknown', m.text));
  }

  const joined = (lines: readonly string[]) => (lines.length === 0 ? NO_CONTEXT : lines.slice(-CONTEXT_LINES).join('\n\n'));

  async function dmContext(reader: Principal, peerId: UserId | null, extra?: string): Promise<string> {
    const page = peerId === null ? [] : (await core.messages.directPage(reader, peerId, { limit: CONTEXT_LINES })).messages.slice().reverse();
    const lines = await linesOf(page);
    if (extra !== undefined) lines.push(contextLine(now(), reader.username, extra));
    return joined(lines);
  }

  async function channelContext(reader: Principal, channel: string, extra: string): Promise<string> {
    const room = await deps.rooms.find(channel);
    const lines = room ? await linesOf((await core.messages.roomHistory(reader, room.id, CONTEXT_LINES)).messages) : [];
    lines.push(contextLine(now(), reader.username, extra));
    return joined(lines);
  }

  /** BareRTC's automatic report of a filtered line, with the recent context of its channel or DM pair. */
  async function reportFiltered(sender: Sender, channel: string, text: string, peerId: UserId | null): Promise<void> {
    if (!webhooks.enabled('report')) return;
    const context = channel.startsWith('@') ? await dmContext(sender.principal, peerId, text) : await channelContext(sender.principal, channel, text);
    const answer = await webhooks.report({
      fromUsername: sender.user.username,
      aboutUsername: sender.user.username,
      channel,
      timestamp: new Date(now()).toUTCString(),
      reason: 'Server Side Message Filter',
      message: text,
      comment: `This is an automated report via server side chat filters.\n\nThe recent context in this channel included the following conversation:\n\n${context}`,
    });
    if (answer !== 'Your report has been delivered successfully.') logger.warn({ answer }, 'barertc filter report not delivered');
  }

  const path: MessagePath = {
    dmContext,

    async screen(sender, channel, text, html, exempt, peerId) {
      const result = filters.apply(html, exempt);
      const filter = result.matched;
      if (!filter) return { text, html };
      // Not forwarded: only the sender sees it (possibly censored), under a fresh id; nothing is stored.
      if (!filter.forwardMessage) sender.send({ action: 'message', channel, username: sender.user.username, message: result.html, msgID: transientMessageId(now()) });
      if (filter.chatServerResponse !== '') sender.notice(filter.chatServerResponse);
      if (filter.reportMessage) {
        if (sender.op) sender.notice('Your recent chat context would have been reported to your main website.');
        // Not awaited: a slow website never holds up the socket.
        else void reportFiltered(sender, channel, text, peerId).catch((err: unknown) => logger.warn({ err }, 'barertc filter report failed'));
      }
      if (!filter.forwardMessage) return null;
      // What is stored is Markdown: the same matches censored there, as escaped asterisks.
      return { text: filter.censorMessage ? filters.apply(text, false, markdownMask).html : text, html: result.html };
    },

    async channel(sender, channel, text) {
      // BareRTC broadcast lines to unknown channel IDs too; Parley's channels are its configured rooms.
      if (!deps.channelIds.has(channel)) return sender.notice(`There is no channel called ${channel} on this server.`);
      const html = render(text);
      if (html === null) return;
      const screened = await path.screen(sender, channel, text, html, false, null);
      if (!screened) return;
      const room = await deps.rooms.open(channel);
      await core.messages.send(sender.principal, { conversationId: room.id, text: screened.text, format: 'markdown' });
    },

    async report(sender, f) {
      const channel = str(f.channel);
      const about = str(f.username);
      let message = str(f.message);
      if (channel.startsWith('@')) {
        // §6.3: a DM report carries the recent lines of the reporter's DM with the reported user.
        const peer = await core.users.findByUsername(about);
        try {
          message += `\n\nRecent message context:\n\n${await dmContext(sender.principal, peer?.id ?? null)}`;
        } catch (e) {
          if (toChatError(e).code === 'INTERNAL') throw e;
          message += `\n\nRecent message context:\n\n${NO_CONTEXT}`;
        }
      }
      // The webhook may take its full 10 s: the answer arrives as a notice, other frames go on meanwhile.
      void webhooks
        .report({ fromUsername: sender.user.username, aboutUsername: about, channel, timestamp: str(f['timestamp']), reason: str(f['reason']), message, comment: str(f['comment']) })
        .then((answer) => sender.notice(answer));
    },
  };
  return path;
}
