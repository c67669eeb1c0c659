import { randomInt } from 'node:crypto';
import type { Core } from '../../core/core.js';
import { ChatError, toChatError } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events.js';
import { toMessageId, type ConversationId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import type { User } from '../../core/model/user.js';
import type { Logger } from '../../logger.js';
import type { Connection, SocketHandler, SocketRoute } from '../protocol.js';
import { applyCameraAction, bootedNotice, cameraAccessOf, emptyCameraLists, openRefusal, publishedState, watchNote, type CameraLists } from './camera.js';
import { parseCommand, runCommand } from './commands.js';
import { entryWithClaims, readControl, type Control } from './control.js';
import { createDirectMessages, type LinkSpamSettings } from './dm.js';
import { createFileAction, type ImageSender } from './file-action.js';
import type { MessageFilterOptions } from './filters.js';
import { broadcastChannelOf, type ImageSizes } from './images.js';
import { DEFAULT_SEND_QUEUE_SIZE, liveSocketParts } from './live.js';
import { rulesOf } from './jwt.js';
import { createMessagePath, type Sender } from './message-path.js';
import type { ChannelRooms } from './rooms.js';
import { entryOf, type Roster, type RosterMember } from './roster.js';
import { cameraRuling, moderationFlags, type ModerationRuleOptions } from './rules.js';
import { createWebhooks, type Webhooks } from './webhooks.js';
import { chatServer, frame, Video, type ClientFrame, type WhoEntry } from './wire.js';

/** Close code when a client cannot keep up (§4.1: 1008 "connection too slow to keep up with messages"). */
const TOO_SLOW = 1008;
const TOO_SLOW_REASON = 'connection too slow to keep up with messages';

/** What the older session of a website user is told when the user signs in again (§4.5 step 1). */
const TAKEN_OVER = 'You have been signed out of chat because you logged in from another location.';

/** What a verified BareRTC JWT says (§3 custom claims). */
export interface BarertcClaims {
  readonly sub: string;
  readonly nick?: string;
  readonly op?: boolean;
  readonly vip?: boolean;
  readonly img?: string;
  readonly url?: string;
  readonly emoji?: string;
  readonly gender?: string;
  readonly rules?: readonly string[];
}

/** One public channel (settings `[[PublicChannels]]`), as the socket needs it. */
export interface ChannelSettings {
  readonly id: string;
  readonly name: string;
  readonly vip: boolean;
  readonly welcomeMessages: readonly string[];
  readonly echoMessagesOnJoin: number;
  /** Images may be shared here (PermitPhotos; Parley enforces it, §10). */
  readonly permitPhotos: boolean;
}

/** The settings and helpers the socket needs (built from `[barertc]` in index.ts). */
export interface BarertcSocketOptions {
  readonly channels: readonly ChannelSettings[];
  readonly jwtEnabled: boolean;
  readonly jwtStrict: boolean;
  /** Rejects with a message when the token does not verify (or JWT is off, or the secret empty). */
  readonly verifyJwt: (token: string) => Promise<BarertcClaims>;
  /** A fresh 5-minute token for the same claims (sent on every ping). */
  readonly refreshJwt: (claims: BarertcClaims) => Promise<string>;
  /** Markdown → sanitised HTML; null when nothing is left to show. */
  readonly render: (text: string) => string | null;
  readonly readLimit: number;
  readonly pingIntervalMs: number;
  /** Users may block operators (settings BlockableAdmins). */
  readonly blockableAdmins: boolean;
  /** What operator commands and reports need (§6.1, §6.3); absent: webhooks off, no reload, /shutdown ignored. */
  readonly moderation?: BarertcModerationOptions;
  /** MaxImageWidth and PreviewImageWidth for shared images (images.ts). */
  readonly images: ImageSizes;
  /** `[[ModerationRule]]` and the `[Strings]` their refusals show (rules.ts). */
  readonly moderationRules: ModerationRuleOptions;
  /** `[[MessageFilters]]` (filters.ts); absent: none. */
  readonly messageFilters?: readonly MessageFilterOptions[];
  /** `[DMLinkSpamProtection]` (dm.ts); absent: off. */
  readonly dmLinkSpam?: LinkSpamSettings;
  /** `[Timings].SendQueueSize`: frames a client may leave unread before it is closed (§4.1); absent: 32. */
  readonly sendQueueSize?: number;
}

/** The hooks operator commands and reports use, wired by the composition root. */
export interface BarertcModerationOptions {
  readonly webhooks: Webhooks;
  /** `/shutdown` ends the process with this (injectable so tests can watch it). */
  readonly exit: (code: number) => void;
  /** `/reconfigure`: reload `[barertc]` on every node; null when the server cannot. */
  readonly reconfigure: (() => Promise<void>) | null;
  /** `[JWT].LandingPageURL` when JWT is enabled and it is set (the `/kickall` notice links to it). */
  readonly landingPageUrl: string | null;
}

/** A BareRTC socket's state: nobody until `login`, then the user and their who-list entry. */
interface ChatSocket {
  user: User | null;
  principal: Principal | null;
  claims: BarertcClaims | null;
  /** The roster session id while logged in. */
  sessionId: string | null;
  entry: WhoEntry | null;
  op: boolean;
  vip: boolean;
  /** Names sent with `blocklist` before login, applied once the user is known. */
  pendingBlocklist: string[];
  /** The other party of each direct conversation, for a DM's `channel` (`@name`). */
  readonly peers: Map<ConversationId, string>;
  member: RosterMember | null;
  /** How the session is ending, when not simply closed (a long-poll that timed out). */
  leaving?: 'timed_out';
  /** Applies a directed control (control.ts) sent to this user's sessions; set while logged in. */
  onControl?: (control: Control) => void;
  /** Ran `/unmute-all`: stays visible to users who block them (§4.6). */
  unblockable?: boolean;
  /** Names booted off and invited to this session's camera (camera.ts), published with its state. */
  readonly camera: CameraLists;
  /** Ids of the images this session shared, for their takeback (file-action.ts). */
  readonly sentImages: Set<number>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** GET /ws — BareRTC's chat protocol (reference/barertc.md §4). */
export function barertcSocketRoute(deps: { core: Core; roster: Roster; rooms: ChannelRooms; logger: Logger; options: BarertcSocketOptions }): SocketRoute<ChatSocket> {
  const { core, roster, logger, options, rooms: channelRooms } = deps;
  // `options` is live (`/reconfigure` assigns into it): read it at use, and derive from it through live.ts.
  const live = liveSocketParts(options, logger);
  const files = createFileAction({ core, roster, options });
  const moderation: BarertcModerationOptions = options.moderation ?? {
    webhooks: createWebhooks({ settings: () => [], adminApiKey: '', logger }),
    // Without a composition root's shutdown there is nothing safe to stop: refuse rather than kill the process.
    exit: () => logger.warn('barertc /shutdown ignored: no shutdown hook configured'),
    reconfigure: null,
    landingPageUrl: null,
  };
  // The message path after the command check: filters, public lines, reports (message-path.ts) and DMs (dm.ts).
  const messagePath = createMessagePath({ core, rooms: channelRooms, logger, webhooks: moderation.webhooks, render: options.render, filters: live.filters, channelIds: live.channelIds });
  const directMessage = createDirectMessages({ core, roster, logger, webhooks: moderation.webhooks, render: options.render, path: messagePath, linkSpam: live.linkSpam });

  function session(conn: Connection<ChatSocket>): SocketHandler {
    const st = conn.state;
    const send = (value: unknown) => conn.send(frame(value));
    const notice = (text: string, channel?: string) => send(chatServer(text, channel));

    async function login(f: ClientFrame): Promise<void> {
      if (st.user) return; // one login per socket
      const token = str(f.jwt) ?? '';
      let claims: BarertcClaims | null = null;
      if (token !== '' || (options.jwtEnabled && options.jwtStrict)) {
        if (token === '') return notice('Server side authentication is required. Please go back and launch the chat room from your logged-in account.');
        try {
          claims = await options.verifyJwt(token);
        } catch {
          return notice('Your authentication has expired. Please go back and launch the chat room again.');
        }
      }
      const online = await roster.onlineNames();
      let user: User;
      try {
        user = claims ? await core.users.websiteUser(claims.sub, claims.nick ?? '') : await guest(str(f.username) ?? '', online);
      } catch (e) {
        const err = toChatError(e);
        if (err.code === 'INTERNAL') throw e;
        return notice(err.code === 'USERNAME_TAKEN' ? 'That username belongs to a registered account on this server and cannot be used here.' : `Could not log in: ${err.message}`);
      }
      let principal: Principal;
      try {
        principal = await core.users.principalFor(user.id);
      } catch (e) {
        const err = toChatError(e);
        if (err.code !== 'BANNED' && err.code !== 'USER_DISABLED') throw e;
        notice('You are currently banned from entering the chat room. Chat room bans are temporarily enforced.');
        return send({ action: 'disconnect' });
      }
      // §4.5 step 1: a website user signing in again takes the name over from the older session.
      const previous = online.get(user.username);
      if (previous && claims) await core.presence.announce('barertc', { username: user.username, kind: null, end: { sessionId: previous.id, message: TAKEN_OVER } });

      st.user = user;
      st.principal = principal;
      st.claims = claims;
      st.op = claims?.op === true || user.isOperator;
      st.vip = claims?.vip === true;
      const entry: WhoEntry = {
        username: user.username,
        ...(claims?.nick ? { nickname: claims.nick } : {}),
        status: 'online',
        video: 0,
        ...(f.dnd === true ? { dnd: true } : {}),
        loginAt: Math.floor(Date.now() / 1000),
        op: st.op,
        ...(st.vip ? { vip: true } : {}),
        ...(claims?.img ? { avatar: claims.img } : {}),
        ...(claims?.url ? { profileURL: claims.url } : {}),
        ...(claims?.emoji ? { emoji: claims.emoji } : {}),
        ...(claims?.gender ? { gender: claims.gender } : {}),
      };
      st.entry = entry;
      // §2.3 /api/blocklist: what the page sent before login, and (our choice) the list the website
      // cached, applied before the session identifies, so its who list and deliveries show it at once.
      await applyBlocklist(principal, [...st.pendingBlocklist, ...(await core.blocklists.cached(user.username))]);
      st.pendingBlocklist = [];
      conn.identify({ userId: user.id, generation: principal.generation ?? 0, familyId: null });
      conn.watchUser();
      // Every public channel is a core room the user belongs to (so other doors list it) and listens to.
      const rooms = [];
      for (const c of options.channels) rooms.push(await channelRooms.open(c.id));
      await core.conversations.joinRooms(rooms.map((r) => r.id), principal);
      for (const room of rooms) conn.subscribe(room.id);
      for (const { conversation, other } of await core.conversations.directChats(user.id)) st.peers.set(conversation.id, other.username);
      st.sessionId = await core.presence.connect(principal, 'barertc', publishedState(entry, st.camera, st.unblockable === true));
      const member: RosterMember = {
        userId: user.id,
        username: user.username,
        sessionId: st.sessionId,
        isOperator: () => st.op,
        isVip: () => st.vip,
        send: (text, o) => conn.send(text, o),
        sendAll: (texts, o) => conn.sendAll(texts, o),
        backlog: () => conn.backlog,
        signOut: (message) => {
          if (message !== undefined) notice(message);
          send({ action: 'disconnect' });
          void logout(null);
        },
      };
      st.member = member;
      roster.add(member);

      // §4.5 step 4: me, who, echo, presence, welcome messages — in this order.
      send({ action: 'me', username: user.username, video: 0 });
      send({ action: 'who', whoList: await roster.whoFor(member) });
      send(await echoFor());
      await core.presence.announce('barertc', { username: user.username, kind: 'joined' });
      for (const c of options.channels) for (const text of c.welcomeMessages) notice(options.render(text) ?? text, c.id);
    }

    /** A guest's name (§3 Guests): "anonymous" when empty, suffixed while taken online or by an account. */
    async function guest(wanted: string, online: Map<string, unknown>): Promise<User> {
      const base = wanted.trim() === '' ? 'anonymous' : wanted.trim();
      for (let n = 1; n < 1000; n++) {
        const name = n === 1 ? base : `${base} ${n}`;
        if (online.has(name)) continue;
        const user = await core.users.guestUser(name);
        if (user) return user;
      }
      throw new ChatError('INVALID_INPUT', 'No free name like that');
    }

    /** §4.4 echo: the newest lines of each channel that echoes, minus what the user mutes or blocks. */
    async function echoFor(): Promise<unknown> {
      const messages: unknown[] = [];
      for (const c of options.channels) {
        // Parley leaves VIP channels out for others (BareRTC's echo leaks them, §4.8).
        if (c.echoMessagesOnJoin <= 0 || (c.vip && !st.vip && !st.op)) continue;
        const room = await channelRooms.find(c.id);
        if (!room) continue;
        const page = await core.messages.roomHistory(st.principal, room.id, c.echoMessagesOnJoin);
        const authors = await core.users.findMany(page.messages.map((m) => m.authorId));
        for (const m of page.messages) {
          const html = options.render(m.text);
          if (html === null) continue;
          messages.push({ action: 'message', channel: c.id, username: authors.get(m.authorId)?.username ?? 'unknown', message: html, msgID: m.id, timestamp: new Date(m.createdAt).toISOString() });
        }
      }
      return messages.length === 0 ? { action: 'echo' } : { action: 'echo', messages };
    }

    async function logout(notice: 'left' | 'timed_out' | null): Promise<void> {
      const { principal, sessionId, member, user } = st;
      st.user = null;
      st.principal = null;
      st.sessionId = null;
      st.member = null;
      if (member) roster.remove(member);
      if (principal && sessionId !== null) await core.presence.disconnect(sessionId, principal, notice && user ? { username: user.username, kind: notice } : undefined);
    }

    async function message(f: ClientFrame): Promise<void> {
      const principal = st.principal;
      if (!principal || !st.user) return notice('You must log in first.');
      const channel = str(f.channel) ?? '';
      const text = str(f.message) ?? '';
      // §6.1: an operator's known command runs (with or without a channel); anything else is text.
      const command = parseCommand(text, st.op);
      if (command) return runCommand(commandHost(principal), command.name, command.args);
      if (options.render(text) === null) return;
      if (channel.startsWith('@')) return directMessage(sender(principal, st.user), channel.slice(1), text);
      if (channel === '') return; // a channel-less line is only ever a command (BareBot's /unmute-all)
      return messagePath.channel(sender(principal, st.user), channel, text);
    }

    /** This session as the message path sees a sender (message-path.ts). */
    function sender(principal: Principal, user: User): Sender {
      return { principal, user, op: st.op, send, notice: (text) => notice(text), rememberPeer: (id, name) => st.peers.set(id, name) };
    }

    /** §4.3 report: to the website's report webhook (message-path.ts); the answer comes as a notice. */
    async function report(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (self) await messagePath.report(sender(self.principal, self.user), f);
    }

    /** What operator commands run with: this session, the core, and the server's hooks. */
    function commandHost(principal: Principal) {
      return {
        core,
        roster,
        webhooks: moderation.webhooks,
        principal,
        notice: (text: string) => notice(text),
        markUnblockable: () => {
          st.unblockable = true;
          void publish().catch((err: unknown) => logger.warn({ err }, 'barertc unblockable state failed'));
        },
        exit: moderation.exit,
        reconfigure: moderation.reconfigure,
        landingPageUrl: moderation.landingPageUrl,
      };
    }

    /** A directed control for this user (control.ts): an operator's /op, /deop or /nsfw from any node. */
    function control(c: Control): void {
      const { entry, sessionId, user } = st;
      if (!entry || sessionId === null || !user) return;
      if (c.kind === 'op') {
        st.op = c.op;
        st.entry = { ...entry, op: c.op };
      } else if (c.kind === 'nsfw') {
        st.entry = { ...entry, video: entry.video | Video.NSFW };
        notice(c.message);
        send({ action: 'me', username: user.username, video: st.entry.video });
      } else if (c.kind === 'amend-jwt') {
        // §2.3 /api/amend-jwt: a user who logged in without a JWT is left as they are.
        if (!st.claims) return;
        st.claims = c.claims;
        st.op = c.claims.op === true || user.isOperator;
        st.vip = c.claims.vip === true;
        st.entry = entryWithClaims(entry, c.claims, st.op);
        send({ action: 'ping', jwt: c.jwt, jwtRules: rulesOf(c.claims) });
        send({ action: 'me', username: user.username, video: st.entry.video });
      } else return;
      // The new state is published, so every node's who lists show it (roster.changed).
      void core.presence.setState(sessionId, 'barertc', publishedState(st.entry, st.camera, st.unblockable === true)).catch((err: unknown) => logger.warn({ err }, 'barertc control state failed'));
    }
    st.onControl = control;

    /** §4.3 blocklist: mute and block every name, in bulk; sent before login (the page does), it waits for the login. */
    async function blocklist(f: ClientFrame): Promise<void> {
      const names = Array.isArray(f.usernames) ? f.usernames.filter((u): u is string => typeof u === 'string') : [];
      if (!st.principal) return void st.pendingBlocklist.push(...names.slice(0, Math.max(0, 10_000 - st.pendingBlocklist.length)));
      await applyBlocklist(st.principal, names);
      await core.presence.refresh('barertc');
    }

    /** Mute and block each named user that exists (names with no account yet are skipped). */
    async function applyBlocklist(principal: Principal, names: readonly string[]): Promise<void> {
      for (const name of new Set(names)) {
        const target = await core.users.findByUsername(name);
        if (!target || target.id === principal.id) continue;
        await core.moderation.relate(principal, target.id, 'mute');
        await core.moderation.relate(principal, target.id, 'block');
      }
    }

    /** The logged-in user, or a notice and null. */
    function loggedIn(): { principal: Principal; user: User; entry: WhoEntry; sessionId: string } | null {
      const { principal, user, entry, sessionId } = st;
      if (principal && user && entry && sessionId !== null) return { principal, user, entry, sessionId };
      notice('You must log in first.');
      return null;
    }

    /** §4.3 me: new status, camera flags and DND, shown in everyone's who list. */
    async function me(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (!self) return;
      let status = str(f.status) ?? self.entry.status;
      if (status === 'hidden' && !st.op) status = 'away';
      const wanted = typeof f.video === 'number' && Number.isSafeInteger(f.video) && f.video >= 0 ? f.video : self.entry.video;
      // §6.2 moderation rules on turning the camera on: cut it, or force it red (rules.ts).
      const ruling = cameraRuling(ruleFlags(self.user), wanted, options.moderationRules.strings);
      for (const out of ruling.frames) send(out);
      const video = ruling.video;
      const dnd = typeof f.dnd === 'boolean' ? f.dnd : self.entry.dnd === true;
      const { dnd: _dnd, ...rest } = self.entry;
      const entry: WhoEntry = { ...rest, status, video, ...(dnd ? { dnd: true } : {}) };
      const wasHidden = self.entry.status === 'hidden';
      st.entry = entry;
      await core.presence.setState(self.sessionId, 'barertc', publishedState(entry, st.camera, st.unblockable === true));
      if (ruling.echoMe) send({ action: 'me', username: self.user.username, video });
      // An operator going hidden seems to leave; coming back seems to arrive.
      if (status === 'hidden' && !wasHidden) await core.presence.announce('barertc', { username: self.user.username, kind: 'left' });
      if (wasHidden && status !== 'hidden') await core.presence.announce('barertc', { username: self.user.username, kind: 'joined' });
    }

    /** §4.3 open: ask to watch a camera; the broadcaster is rung, the caller told, with one shared secret. */
    async function openVideo(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (!self) return;
      if (ruleFlags(self.user).noVideo) return notice(options.moderationRules.strings.ModRuleErrorNoVideo);
      const name = str(f.username) ?? '';
      const fail = (why: string) => notice(`Could not open that video: ${why}`);
      const target = (await roster.onlineNames()).get(name);
      const entry = target ? entryOf(target) : null;
      if (!target || !entry) return fail(`${name} appears to be offline.`);
      // §4.6: camera, mutual, VIP, then mute/boot/block (camera.ts); an operator let in past a boot or mute is told.
      const related = async (owner: User['id'], kind: 'mute' | 'block', other: User['id']) => (await core.moderation.related(owner, kind)).includes(other);
      const blocks = (await related(target.userId, 'block', self.user.id)) || (await related(self.user.id, 'block', target.userId));
      const viewer = { username: self.user.username, video: self.entry.video, op: st.op, vip: st.vip };
      const check = { name, target: entry, access: cameraAccessOf(target.state), viewer, mutes: await related(target.userId, 'mute', self.user.id), blocks, blockableAdmins: options.blockableAdmins };
      const why = openRefusal(check);
      if (why !== null) return fail(why);
      const note = watchNote(check);
      if (note !== null) notice(note);
      const openSecret = randomLetters(16);
      await core.presence.signal('barertc', target.userId, frame({ action: 'ring', username: self.user.username, openSecret }));
      send({ action: 'open', username: name, openSecret });
    }

    /** §4.3 candidate/sdp/watch/unwatch: passed to the named user with `username` set to the sender; unknown targets dropped. */
    async function relay(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (!self) return;
      const target = (await roster.onlineNames()).get(str(f.username) ?? '');
      if (!target) return;
      const out: Record<string, unknown> = { action: f.action, username: self.user.username };
      if (f.action === 'candidate' && typeof f.candidate === 'string') out['candidate'] = f.candidate;
      if (f.action === 'sdp' && typeof f.description === 'string') out['description'] = f.description;
      await core.presence.signal('barertc', target.userId, frame(out));
    }

    /** §4.3 takeback: the author (or a moderator) removes a message everywhere. */
    async function takeback(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (!self) return;
      const id = typeof f.msgID === 'number' && Number.isSafeInteger(f.msgID) ? f.msgID : 0;
      if (await files.takeback(imageSender(self.user), id)) return; // an image (never stored)
      try {
        await core.messages.remove(self.principal, toMessageId(id));
      } catch (e) {
        const err = toChatError(e);
        if (err.code === 'INTERNAL') throw e;
        notice('That is not your message to take back.');
      }
    }

    /** §4.3 file: an image shared in a channel or a DM (file-action.ts). */
    async function shareFile(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (self) await files.share(imageSender(self.user), f);
    }

    /** This session as file-action.ts sees a sender. */
    function imageSender(user: User): ImageSender {
      return { user, op: st.op, jwtRules: st.claims?.rules, sentImages: st.sentImages, send, notice: (text) => notice(text) };
    }

    /** The moderation rules in force for this user now (settings plus the JWT's `rules`, §6.2). */
    function ruleFlags(user: User) {
      return moderationFlags(options.moderationRules.rules, user.username, st.claims?.rules);
    }

    /** §4.3 react: an emoji on a message, broadcast to everyone. */
    async function react(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (!self) return;
      const emoji = (str(f.message) ?? '').slice(0, 64);
      const msgID = typeof f.msgID === 'number' && Number.isSafeInteger(f.msgID) ? f.msgID : 0;
      if (emoji === '' || msgID <= 0) return;
      await core.presence.broadcast('barertc', self.user.id, frame({ action: 'react', username: self.user.username, message: emoji, msgID }));
    }

    /** §4.3 mute/unmute/block: the core keeps the relation (it holds on every door); who lists follow. */
    async function relate(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (!self) return;
      const name = str(f.username) ?? '';
      const target = await core.users.findByUsername(name);
      if (!target || target.id === self.user.id) return;
      const online = (await roster.onlineNames()).get(target.username);
      const targetIsOp = online ? entryOf(online)?.op === true : target.isOperator;
      if (f.action === 'block' && targetIsOp && !options.blockableAdmins) return notice('You are not allowed to block a chat operator.');
      if (f.action === 'unmute') await core.moderation.unrelate(self.principal, target.id, 'mute');
      else await core.moderation.relate(self.principal, target.id, f.action === 'block' ? 'block' : 'mute');
      if (f.action === 'mute' && targetIsOp && online) await core.presence.signal('barertc', target.id, frame(chatServer(`${self.user.username} has muted you! Your new messages will not be seen by them.`)));
      roster.refresh();
    }

    /** Publish this session's state: its who entry and camera lists, to every node's roster. */
    async function publish(): Promise<void> {
      const { entry, sessionId } = st;
      if (entry && sessionId !== null) await core.presence.setState(sessionId, 'barertc', publishedState(entry, st.camera, st.unblockable === true));
    }

    /** §4.3 boot/unboot/video-invite: the sender's camera lists change; who lists follow (camera.ts). */
    async function camera(f: ClientFrame): Promise<void> {
      const self = loggedIn();
      if (!self) return;
      const booted = applyCameraAction(st.camera, String(f.action), f);
      if (booted === null) return;
      await publish();
      for (const name of booted) {
        const target = (await roster.onlineNames()).get(name);
        if (target && entryOf(target)?.op === true) await core.presence.signal('barertc', target.userId, frame(chatServer(bootedNotice(self.user.username))));
      }
    }

    async function dispatch(f: ClientFrame): Promise<void> {
      switch (f.action) {
        case 'login':
          return login(f);
        case 'message':
          return message(f);
        case 'ping':
          return;
        case 'me':
          return me(f);
        case 'open':
          return openVideo(f);
        case 'candidate':
        case 'sdp':
        case 'watch':
        case 'unwatch':
          return relay(f);
        case 'takeback':
          return takeback(f);
        case 'react':
          return react(f);
        case 'report':
          return report(f);
        case 'file':
          return shareFile(f);
        case 'mute':
        case 'unmute':
        case 'block':
          return relate(f);
        case 'blocklist':
          return blocklist(f);
        case 'boot':
        case 'unboot':
        case 'video-invite':
          return camera(f);
        default:
          if (!st.user) return;
          return notice(`Unsupported message type: ${typeof f.action === 'string' ? f.action : ''}`);
      }
    }

    const pinger = setInterval(() => {
      if (!st.user) return;
      const claims = st.claims;
      if (!claims) return send({ action: 'ping' });
      // §3 step 5: a fresh 5-minute token (and, as later BareRTC versions, the rules it carries).
      options.refreshJwt(claims).then((jwt) => send({ action: 'ping', jwt, jwtRules: rulesOf(claims) }), (err: unknown) => logger.warn({ err }, 'barertc jwt refresh failed'));
    }, options.pingIntervalMs);
    pinger.unref();

    return {
      async onMessage(data, isBinary) {
        if (isBinary) return;
        let f: unknown;
        try {
          f = JSON.parse(data.toString('utf8'));
        } catch {
          return; // §4.1: unparseable JSON is ignored
        }
        if (typeof f !== 'object' || f === null || Array.isArray(f)) return;
        try {
          await dispatch(f as ClientFrame);
        } catch (e) {
          const err = toChatError(e);
          if (err.code === 'INTERNAL') throw e;
          notice(err.message);
        }
      },
      async onClose() {
        clearInterval(pinger);
        await logout(st.leaving ?? 'left');
      },
    };
  }

  return {
    protocol: 'barertc',
    match: (pathname) => (pathname === '/ws' ? {} : null),
    get maxPayload() {
      return options.readLimit;
    },
    slowConsumerCloseCode: TOO_SLOW,
    slowConsumerCloseReason: TOO_SLOW_REASON,
    get maxQueuedFrames() {
      return options.sendQueueSize ?? DEFAULT_SEND_QUEUE_SIZE;
    },
    authenticatesInBand: true,
    async accept(req) {
      // §4.1: browsers may only connect from the same host (a missing Origin is a bot, and allowed).
      const origin = req.headers.origin;
      if (origin !== undefined && !sameHost(origin, req.headers.host)) return { reject: { status: 403, contentType: 'text/plain; charset=utf-8', body: 'Forbidden' } };
      const state: ChatSocket = { user: null, principal: null, claims: null, sessionId: null, entry: null, op: false, vip: false, pendingBlocklist: [], peers: new Map(), member: null, camera: emptyCameraLists(), sentImages: new Set() };
      return { accept: { state, open: session } };
    },
    encode: (event) => encodeEvent(event, options.render),
    frameFor: (conn, encoded, event) => framesFor(conn, encoded, event, live.vipChannels()),
  };
}

/** The prefix every encoded message starts with, so a DM's channel can be put in per recipient. */
const MESSAGE_PREFIX = '{"action":"message",';

/**
 * Events as BareRTC shows them, encoded once: a room's message with its channel; a DM's without
 * (each party sees the other's name, framesFor adds it); a deletion as `takeback`.
 */
export function encodeEvent(event: DomainEvent, render: (text: string) => string | null): string | null {
  switch (event.type) {
    case 'message.created': {
      if (event.audience.kind === 'group' || event.audience.kind === 'channel') return null;
      const html = render(event.message.text);
      if (html === null) return null;
      const body = { username: event.author.username, message: html, msgID: event.message.id };
      if (event.audience.kind === 'room') return frame({ action: 'message', channel: event.audience.title ?? '', ...body });
      return frame({ action: 'message', ...body });
    }
    case 'session.signal':
    case 'protocol.broadcast':
      return event.protocol === 'barertc' ? event.payload : null;
    case 'message.deleted':
      return event.audience.kind === 'group' || event.audience.kind === 'channel' ? null : frame({ action: 'takeback', msgID: event.messageId });
    default:
      return null;
  }
}

function framesFor(conn: Connection<ChatSocket>, encoded: string, event: DomainEvent, vipChannels: ReadonlySet<string>): readonly string[] {
  if (!conn.state.user) return [];
  if (event.type === 'session.signal') {
    // A directed control is applied by the session, never forwarded (control.ts).
    const c = readControl(encoded);
    if (c) {
      conn.state.onControl?.(c);
      return [];
    }
  }
  // §4.8: a VIP channel's lines reach VIPs and operators only (a non-VIP sender gets no echo).
  if (event.type === 'message.created' && event.audience.kind === 'room' && vipChannels.has(event.audience.title ?? '') && !conn.state.vip && !conn.state.op) return [];
  // The same for an image shared there (file-action.ts broadcasts it).
  if (event.type === 'protocol.broadcast' && !conn.state.vip && !conn.state.op && vipChannels.size > 0 && vipChannels.has(broadcastChannelOf(encoded) ?? '')) return [];
  if (event.type !== 'message.created' || event.audience.kind === 'room') return [encoded];
  if (event.audience.kind === 'favorites') {
    const own = `${MESSAGE_PREFIX}"channel":${JSON.stringify(`@${conn.state.user.username}`)},${encoded.slice(MESSAGE_PREFIX.length)}`;
    return [own, own];
  }
  const mine = event.author.id === conn.state.user.id;
  const peer = mine ? conn.state.peers.get(event.audience.conversationId) : event.author.username;
  if (peer === undefined) return [];
  if (!mine) conn.state.peers.set(event.audience.conversationId, peer);
  return [`${MESSAGE_PREFIX}"channel":${JSON.stringify(`@${peer}`)},${encoded.slice(MESSAGE_PREFIX.length)}`];
}

/** Whether an Origin header names the host the request was sent to. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/** BareRTC's openSecret: 16 random lowercase letters (§4.3 open). */
function randomLetters(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(97 + randomInt(26));
  return out;
}
