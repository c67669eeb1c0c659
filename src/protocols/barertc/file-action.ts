import type { Core } from '../../core/core.js';
import type { UserId } from '../../core/model/ids.js';
import type { User } from '../../core/model/user.js';
import { bytesOf, BAD_BYTES, imageKindOf, processImage, UNSUPPORTED_TYPE, type ImageSizes } from './images.js';
import { entryOf, type Roster } from './roster.js';
import { dndRefusal, moderationFlags, type ModerationRuleOptions } from './rules.js';
import { frame, isTransientMessageId, transientMessageId, type ClientFrame } from './wire.js';

/**
 * The `file` action (reference/barertc.md §4.3, §4.8, §6.2, §10): an image shared in a public
 * channel or a DM, delivered as an ordinary `message` frame whose body is the `<img>` HTML
 * (images.ts). Images are never stored: a public one is a BareRTC-only broadcast attributed to
 * its sender (so the core hides it from those who mute or block the sender, like reactions), a
 * DM one is signalled to both parties. Their `msgID`s come from transientMessageId, and `takeback`
 * of one is a broadcast too (takebackImage).
 */

/** Parley enforces `PermitPhotos` (§10); BareRTC left it to the page. */
export const PHOTOS_NOT_PERMITTED = 'Photo sharing is not permitted in this channel.';

/** Image ids a session remembers for its own takebacks; the oldest are forgotten past this. */
const MAX_REMEMBERED_IMAGES = 1000;

/** The settings the action needs. */
export interface FileActionOptions {
  readonly channels: readonly { readonly id: string; readonly permitPhotos: boolean }[];
  readonly images: ImageSizes;
  readonly moderationRules: ModerationRuleOptions;
}

/** The sending session, as socket.ts knows it. */
export interface ImageSender {
  readonly user: User;
  readonly op: boolean;
  /** The JWT `rules` claim, when the user signed in with one. */
  readonly jwtRules: readonly string[] | undefined;
  /** Ids of the images this session shared (for takeback); owned by the session's state. */
  readonly sentImages: Set<number>;
  /** Send a frame on this socket. */
  send(value: unknown): void;
  /** A ChatServer notice on this socket. */
  notice(text: string): void;
}

export interface FileAction {
  /** Handle one `file` frame from a logged-in sender. Never throws for bad input. */
  share(sender: ImageSender, f: ClientFrame): Promise<void>;
  /**
   * A `takeback` of an image id: by the session that shared it, or by any operator (image ids are
   * told apart from stored ones by size). Broadcasts `{"action":"takeback","msgID":N}` and answers
   * true; false when the id is not an image this sender may take back (the caller goes on with
   * stored messages).
   */
  takeback(sender: ImageSender, msgID: number): Promise<boolean>;
}

export function createFileAction(deps: { core: Core; roster: Roster; options: FileActionOptions }): FileAction {
  const { core, roster, options } = deps;

  const related = async (owner: UserId, kind: 'mute' | 'block', other: UserId) => (await core.moderation.related(owner, kind)).includes(other);

  function remember(sender: ImageSender, id: number): void {
    sender.sentImages.add(id);
    if (sender.sentImages.size > MAX_REMEMBERED_IMAGES) {
      const oldest = sender.sentImages.values().next().value;
      if (oldest !== undefined) sender.sentImages.delete(oldest);
    }
  }

  /** Make the `<img>` HTML, or tell the sender why not (null). */
  async function html(sender: ImageSender, f: ClientFrame, bytes: Buffer): Promise<string | null> {
    const done = await processImage(bytes, typeof f.message === 'string' ? f.message : '', options.images);
    if (done.ok) return done.html;
    sender.notice(done.error);
    return null;
  }

  async function shareInChannel(sender: ImageSender, f: ClientFrame, channel: string, bytes: Buffer): Promise<void> {
    const settings = options.channels.find((c) => c.id === channel); // read now: `/reconfigure` may change them
    if (!settings) return sender.notice(`There is no channel called ${channel} on this server.`);
    if (!settings.permitPhotos) return sender.notice(PHOTOS_NOT_PERMITTED);
    const body = await html(sender, f, bytes);
    if (body === null) return;
    const msgID = transientMessageId();
    remember(sender, msgID);
    await core.presence.broadcast('barertc', sender.user.id, frame({ action: 'message', channel, username: sender.user.username, message: body, msgID }));
  }

  /** §4.7's DM checks, as for text (offline, DND, mutes, blocks); images are never stored. */
  async function shareInDm(sender: ImageSender, f: ClientFrame, name: string, bytes: Buffer): Promise<void> {
    const online = (await roster.onlineNames()).get(name);
    const entry = online ? entryOf(online) : null;
    if (!online || !entry) return sender.notice(`Could not deliver your message: @${name} appears not to be online.`);
    const refusal = online.userId === sender.user.id ? null : dndRefusal(entry, sender.op);
    if (refusal !== null) return sender.notice(refusal);
    const body = await html(sender, f, bytes);
    if (body === null) return;
    const msgID = transientMessageId();
    remember(sender, msgID);
    const message = (channel: string) => frame({ action: 'message', channel, username: sender.user.username, message: body, msgID });
    // The sender's own sessions always get the echo first (§4.7 step 1); a DM to yourself echoes twice.
    await core.presence.signal('barertc', sender.user.id, message(`@${entry.username}`));
    const peerId = online.userId;
    if (!sender.op && (await related(peerId, 'mute', sender.user.id))) return;
    if (!sender.op && peerId !== sender.user.id && (await related(sender.user.id, 'mute', peerId))) {
      return sender.notice(`You have muted ${entry.username} and so your message has not been sent.`);
    }
    // A block stops images as it stops text DMs, operators included (the core refuses DMs across a block).
    if ((await related(peerId, 'block', sender.user.id)) || (await related(sender.user.id, 'block', peerId))) return;
    await core.presence.signal('barertc', peerId, message(`@${sender.user.username}`));
  }

  return {
    async share(sender, f) {
      if (moderationFlags(options.moderationRules.rules, sender.user.username, sender.jwtRules).noImage) return sender.notice(options.moderationRules.strings.ModRuleErrorNoImage);
      if (imageKindOf(typeof f.message === 'string' ? f.message : '') === null) return sender.notice(UNSUPPORTED_TYPE);
      const bytes = bytesOf(f['bytes']);
      if (bytes === null) return sender.notice(BAD_BYTES);
      const channel = typeof f.channel === 'string' ? f.channel : '';
      if (channel.startsWith('@')) return shareInDm(sender, f, channel.slice(1), bytes);
      return shareInChannel(sender, f, channel, bytes);
    },
    async takeback(sender, msgID) {
      if (!isTransientMessageId(msgID) || !(sender.sentImages.has(msgID) || sender.op)) return false;
      sender.sentImages.delete(msgID);
      await core.presence.broadcast('barertc', sender.user.id, frame({ action: 'takeback', msgID }));
      return true;
    },
  };
}
