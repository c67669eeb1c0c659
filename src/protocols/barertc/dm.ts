import type { Core } from '../../core/core.js';
import { toChatError } from '../../core/errors.js';
import type { Logger } from '../../logger.js';
import { LINK_SPAM_BAN, LINK_SPAM_KICK, linkDigests } from './link-spam.js';
import { rfc3339, type MessagePath, type Sender } from './message-path.js';
import { entryOf, type Roster } from './roster.js';
import { dndRefusal } from './rules.js';
import type { Webhooks } from './webhooks.js';
import { transientMessageId } from './wire.js';

/**
 * BareRTC's DMs (`channel: "@bob"`, reference/barertc.md §4.7), in its order: message filters
 * (§6.2), link-spam protection, then the sender's own echo first, and after it what keeps the DM
 * from bob — offline, DND (Parley enforces it), bob mutes the sender, the sender mutes bob, a
 * block. Only a DM that passes is stored (the core's direct conversation, so every door and node
 * sees it) and delivered, with `channel:"@alice"` for bob and the same msgID. A DM that stops
 * after the echo is never stored: its echo is a frame for this socket with a fresh id.
 */

/** `[DMLinkSpamProtection]`. */
export interface LinkSpamSettings {
  readonly enabled: boolean;
  readonly maxThreads: number;
  /** Seconds. */
  readonly timeLimit: number;
  readonly banHours: number;
}

export interface DirectMessagesDeps {
  readonly core: Core;
  readonly roster: Roster;
  readonly logger: Logger;
  readonly webhooks: Webhooks;
  readonly render: (text: string) => string | null;
  readonly path: MessagePath;
  readonly linkSpam: LinkSpamSettings;
  readonly now?: () => number;
}

/** Send a DM from `sender` to `name` with this (already command-checked) text. */
export type DirectMessages = (sender: Sender, name: string, text: string) => Promise<void>;

export function createDirectMessages(deps: DirectMessagesDeps): DirectMessages {
  const { core, roster, logger, webhooks, render, path, linkSpam } = deps;
  const now = deps.now ?? Date.now;

  /** The link-spam verdict for this DM, acted on (kick or ban, and a report); true when it stops here. */
  async function spam(sender: Sender, name: string, text: string): Promise<boolean> {
    if (!linkSpam.enabled || name === sender.user.username) return false;
    const links = linkDigests(text);
    if (links.length === 0) return false;
    const verdict = await core.linkSpam.check(sender.user.id, name, links, { maxThreads: linkSpam.maxThreads, windowMs: linkSpam.timeLimit * 1000 });
    if (verdict === 'ok') return false;
    const username = sender.user.username;
    logger.warn({ username, to: name }, 'barertc DM link spam');
    // The kick path operator commands use: a presence line for everyone, the notice and `disconnect` for the user's sessions.
    if (verdict === 'ban') {
      await core.presence.announce('barertc', { username, kind: 'banned', end: { message: LINK_SPAM_BAN } });
      await core.moderation.ban(null, sender.user.id, null, 'Spam Detected', linkSpam.banHours * 3_600_000);
    } else {
      await core.presence.announce('barertc', { username, kind: 'kicked', end: { message: LINK_SPAM_KICK } });
    }
    void webhooks.report({
      fromUsername: username,
      aboutUsername: username,
      channel: `@${name}`,
      timestamp: rfc3339(now()),
      reason: 'Spam Detected',
      message: `_In a DM to:_ @${name}<br>[${username}] ${text}`,
      comment: verdict === 'ban' ? 'The user was **banned** from chat.' : 'The user was **kicked** from the room with a warning.',
    });
    return true;
  }

  return async (sender, name, text) => {
    const html = render(text);
    if (html === null) return;
    const channel = `@${name}`;
    const peer = await core.users.findByUsername(name);
    const session = peer ? (await roster.onlineNames()).get(peer.username) : undefined;
    const entry = session ? entryOf(session) : null;
    const peerOp = entry ? entry.op : peer?.isOperator === true;
    // §6.2: DMs where either party is an operator are not filtered.
    const screened = await path.screen(sender, channel, text, html, sender.op || peerOp, peer?.id ?? null);
    if (!screened) return;
    if (await spam(sender, name, text)) return;

    // §4.7 step 1: the sender's echo comes first, whatever happens next.
    const echo = () => sender.send({ action: 'message', channel, username: sender.user.username, message: screened.html, msgID: transientMessageId(now()) });
    if (!peer || !(await core.presence.isOnline(peer.id))) {
      echo();
      return sender.notice(`Could not deliver your message: @${name} appears not to be online.`);
    }
    const self = peer.id === sender.user.id;
    if (!self) {
      const dnd = dndRefusal(entry, sender.op);
      if (dnd !== null) {
        echo();
        return sender.notice(dnd);
      }
      const relations = await core.moderation.among([sender.user.id, peer.id], ['mute', 'block']);
      const has = (owner: typeof peer.id, kind: 'mute' | 'block') => relations.some((r) => r.ownerId === owner && r.kind === kind);
      // An operator's DM to someone who muted them goes to the core, which keeps mutes on every door: stored, hidden from the muter.
      if (has(peer.id, 'mute') && !sender.op) return echo();
      if (has(sender.user.id, 'mute') && !sender.op) {
        echo();
        return sender.notice(`You have muted ${peer.username} and so your message has not been sent.`);
      }
      if (has(peer.id, 'block') || has(sender.user.id, 'block')) return echo();
    }
    // Stored and delivered through the core: the echo (and bob's copy) come back as the stored message.
    // A DM to yourself is kept in your notes conversation and echoes twice (BareBot's deadlock probe).
    const conversation = self ? await core.conversations.openFavorites(sender.principal) : await core.conversations.openDirect(sender.principal, peer.id);
    sender.rememberPeer(conversation.id, peer.username);
    try {
      await core.messages.send(sender.principal, { conversationId: conversation.id, text: screened.text, format: 'markdown' });
    } catch (e) {
      // A block set in between: dropped, as step 5.
      if (toChatError(e).code !== 'BLOCKED') throw e;
      echo();
    }
  };
}
