import { expect } from 'vitest';
import { toConversationId } from '../../../src/core/model/ids.js';
import { http } from '../../conformance/chatcli/helpers.js';
import { createAccounts, nextNumber, type Account, type Cluster } from './cluster.js';
import {
  chatcliAuth, chatcliLogin, ChatcliWatch, connorLogin, connorRefusal, openConnor, trueconfAuth, trueconfLogin, TrueconfWatch,
  type Credentials, type Door, type Watch,
} from './doors.js';

// The viewers of the access matrix: one per door and kind of conversation that door can show.
// Each set-up gives the viewer an open socket that has already been shown a message, a control
// (another user, same node and door, who keeps access) and a member who posts through node A.

/** A socket that could not be opened: refused at the upgrade or at `auth`, or closed at once. */
export interface Refused {
  readonly refused: string;
}

export const isWatch = (w: Watch | Refused): w is Watch => !('refused' in w);

/** How a door tells the viewer it has no access to the conversation any more. */
/** gone: left or removed; banned: from the conversation; server-banned: from the server (no login works meanwhile). */
export type Loss = 'gone' | 'banned' | 'server-banned';

/** One cell's world: the viewer, its conversation, its sockets and credentials. */
export interface Scene {
  readonly kind: ViewerKind;
  readonly cluster: Cluster;
  readonly viewer: Account;
  /** The group owner, where the conversation has one. */
  readonly owner: Account | null;
  readonly conversationId: number;
  /** The room's name, for rooms. */
  readonly room: string | null;
  /** Every credential the viewer held before the change, on every door (logged in on node B). */
  readonly creds: Credentials;
  /** The viewer's socket on node B, open before the change. */
  readonly socket: Watch;
  /** Another user's socket on node B, same door, who keeps access. */
  readonly control: Watch;
  /** For CLI changes to a room: a connor writer socket of the viewer, whose close shows the change reached node B. */
  readonly sentinel: Watch | null;
  /** Post a message through node A's core as a member who keeps access. */
  post(text: string): Promise<void>;
  /** A new viewer socket on node B with a credential of its door, listening to the conversation as far as the door lets it. */
  open(credential: string): Promise<Watch | Refused>;
  /** The door refuses the conversation to the viewer: over HTTP with its ChatCLI token, on `watch` when open. */
  expectRefused(watch: Watch | null, loss: Loss): Promise<void>;
  /** Close every socket the cell opened. */
  dispose(): Promise<void>;
}

/** A kind of viewer: a door and the conversation it watches there. */
export interface ViewerKind {
  readonly id: 'connor-room' | 'chatcli-direct' | 'chatcli-group' | 'trueconf-group' | 'trueconf-room';
  readonly title: string;
  readonly door: Door;
  readonly conversation: 'room' | 'direct' | 'group';
  setup(cluster: Cluster, options: { sentinel: boolean }): Promise<Scene>;
}

/** The credential of `door` among the viewer's. */
export function credentialOf(creds: Credentials, door: Door): string {
  return door === 'connor' ? creds.connorJwt : door === 'chatcli' ? creds.chatcli.access : creds.trueconfJwt;
}

/** Log in on every door of node B, the ChatCLI door twice (two logins). */
async function credentialsOf(cluster: Cluster, account: Account): Promise<Credentials> {
  const { b } = cluster;
  return {
    connorJwt: await connorLogin(b, account.username, account.password),
    chatcli: await chatcliLogin(b, account.username, account.password),
    chatcliOther: await chatcliLogin(b, account.username, account.password),
    trueconfJwt: await trueconfLogin(b, account.username, account.password),
  };
}

/** A ChatCLI socket that authenticated and did join_chat (ignored for non-members, §6.5). */
async function chatcliJoin(cluster: Cluster, access: string, chatId: number): Promise<ChatcliWatch | Refused> {
  const socket = await chatcliAuth(cluster.b, access);
  if (!(socket instanceof ChatcliWatch)) return { refused: `closed ${socket.closedWith}` };
  socket.chat.send({ type: 'join_chat', chatID: chatId });
  await socket.settle();
  return socket;
}

async function trueconfOpen(cluster: Cluster, jwt: string): Promise<TrueconfWatch | Refused> {
  const bot = await trueconfAuth(cluster.b, jwt);
  return bot instanceof TrueconfWatch ? bot : { refused: JSON.stringify(bot) };
}

const must = <W extends Watch>(w: W | Refused, what: string): W => {
  if (!isWatch(w)) throw new Error(`${what} could not open: ${w.refused}`);
  return w;
};

/** ChatCLI's answers to /chat/messages for a conversation the caller lost (chatcli.md §5.9). */
const CHATCLI_LOSS = { gone: { status: 404, message: 'Chat not found or access denied' }, banned: { status: 403, message: 'Access denied.' }, 'server-banned': { status: 401, message: 'Unable to verify user!' } } as const;
/** TrueConf's errorCode for one (trueconf.md §5): not a participant, access denied. */
const TRUECONF_LOSS = { gone: 305, banned: 302, 'server-banned': 302 } as const;

interface Parts {
  viewer: Account;
  owner: Account | null;
  poster: Account;
  conversationId: number;
  room: string | null;
  creds: Credentials;
  open(credential: string): Promise<Watch | Refused>;
  refused(watch: Watch | null, loss: Loss): Promise<void>;
  controlCredential: string;
  sentinel: boolean;
}

/** Open the viewer's and the control's sockets, and show both a first message. */
async function scene(cluster: Cluster, kind: ViewerKind, parts: Parts): Promise<Scene> {
  const opened: Watch[] = [];
  const track = <W extends Watch | Refused>(w: W): W => {
    if (isWatch(w)) opened.push(w);
    return w;
  };
  const post = async (text: string) => {
    await cluster.a.server.core.messages.send(parts.poster.principal, { conversationId: toConversationId(parts.conversationId), text });
  };
  const open = async (credential: string) => track(await parts.open(credential));
  try {
    const socket = must(await open(credentialOf(parts.creds, kind.door)), 'the viewer socket');
    const control = must(await open(parts.controlCredential), 'the control socket');
    const sentinel = parts.sentinel ? track(await openConnor(cluster.b, parts.room!, parts.creds.connorJwt)) : null;
    // The set-up is right only if the viewer sees the conversation before the change.
    const before = `before ${nextNumber()}`;
    await post(before);
    for (const w of [socket, control, ...(sentinel ? [sentinel] : [])]) await w.received(before);
    return {
      kind, cluster, socket, control, sentinel, post, open,
      viewer: parts.viewer, owner: parts.owner, conversationId: parts.conversationId, room: parts.room, creds: parts.creds,
      expectRefused: parts.refused,
      async dispose() {
        await Promise.all(opened.map((w) => w.close()));
      },
    };
  } catch (e) {
    await Promise.all(opened.map((w) => w.close()));
    throw e;
  }
}

/** ChatCLI's refusal: /chat/messages over HTTP with the viewer's token, and post_msg on an open socket. */
function chatcliRefused(cluster: Cluster, viewer: Account, creds: Credentials, chatId: number) {
  return async (watch: Watch | null, loss: Loss) => {
    const res = await http(cluster.b).post('/chat/messages', { username: viewer.username, session_token: creds.chatcli.access, chatID: chatId });
    expect({ status: res.status, message: (res.json as { message: string }).message }, `/chat/messages after the viewer was ${loss}`).toEqual(CHATCLI_LOSS[loss]);
    if (watch?.isOpen) expect(await (watch as ChatcliWatch).postRefused(chatId, 'may I?')).toEqual({ type: 'error', message: 'Access denied.' });
  };
}

/** TrueConf's refusal: getChatHistory on an open bot. */
function trueconfRefused(conversationId: number) {
  return async (watch: Watch | null, loss: Loss) => {
    if (!watch?.isOpen) return;
    await expect((watch as TrueconfWatch).bot.request('getChatHistory', { chatId: String(conversationId) })).rejects.toMatchObject({ errorCode: TRUECONF_LOSS[loss] });
  };
}

/** Every viewer kind, in table order. */
export const VIEWER_KINDS: readonly ViewerKind[] = [
  {
    id: 'connor-room', title: 'connor writer socket in a room', door: 'connor', conversation: 'room',
    async setup(cluster, options) {
      const [viewer, control, poster] = await createAccounts(cluster, 'cv', 'cc', 'cp');
      const room = `mxroom${nextNumber()}`;
      const creds = await credentialsOf(cluster, viewer!);
      const controlJwt = await connorLogin(cluster.b, control!.username, control!.password);
      // The room is made by the first writer's upgrade; the poster joins it afterwards.
      const first = await openConnor(cluster.b, room, creds.connorJwt);
      await first.close();
      const roomId = (await cluster.a.server.core.conversations.findRoom(room))!.id;
      await cluster.a.server.core.conversations.join(roomId, poster!.principal);
      return scene(cluster, this, {
        viewer: viewer!, owner: null, poster: poster!, conversationId: roomId, room, creds, controlCredential: controlJwt, sentinel: options.sentinel,
        open: (jwt) => openConnor(cluster.b, room, jwt).catch((e: { status?: number }) => ({ refused: `HTTP ${e.status}` })),
        async refused(_watch, loss) {
          // A room is open to anyone not banned from it: after leaving, a new upgrade joins again.
          if (loss === 'banned') expect(await connorRefusal(cluster.b, room, creds.connorJwt)).toEqual({ status: 403, type: 'BANNED' });
        },
      });
    },
  },
  {
    id: 'chatcli-direct', title: 'ChatCLI socket joined to a direct chat', door: 'chatcli', conversation: 'direct',
    async setup(cluster, options) {
      const [viewer, partner] = await createAccounts(cluster, 'dv', 'dp');
      const creds = await credentialsOf(cluster, viewer!);
      const created = await http(cluster.a).post('/chat/create-chat', { session_token: creds.chatcli.access, receiver: partner!.username });
      expect(created.status).toBe(200);
      const chatId = (created.json as { chatID: number }).chatID;
      return scene(cluster, this, {
        viewer: viewer!, owner: null, poster: partner!, conversationId: chatId, room: null, creds, sentinel: options.sentinel,
        controlCredential: (await chatcliLogin(cluster.b, partner!.username, partner!.password)).access,
        open: (access) => chatcliJoin(cluster, access, chatId),
        refused: chatcliRefused(cluster, viewer!, creds, chatId),
      });
    },
  },
  {
    id: 'chatcli-group', title: 'ChatCLI socket joined to a group', door: 'chatcli', conversation: 'group',
    async setup(cluster, options) {
      const [owner, viewer, control] = await createAccounts(cluster, 'go', 'gv', 'gc');
      const group = await cluster.a.server.core.conversations.createGroup(owner!.principal, 'matrix group', [viewer!.id, control!.id]);
      const creds = await credentialsOf(cluster, viewer!);
      return scene(cluster, this, {
        viewer: viewer!, owner: owner!, poster: owner!, conversationId: group.id, room: null, creds, sentinel: options.sentinel,
        controlCredential: (await chatcliLogin(cluster.b, control!.username, control!.password)).access,
        open: (access) => chatcliJoin(cluster, access, group.id),
        refused: chatcliRefused(cluster, viewer!, creds, group.id),
      });
    },
  },
  {
    id: 'trueconf-group', title: 'TrueConf bot in a group', door: 'trueconf', conversation: 'group',
    async setup(cluster, options) {
      const [owner, viewer, control] = await createAccounts(cluster, 'to', 'tv', 'tc');
      const group = await cluster.a.server.core.conversations.createGroup(owner!.principal, 'matrix group', [viewer!.id, control!.id]);
      const creds = await credentialsOf(cluster, viewer!);
      return scene(cluster, this, {
        viewer: viewer!, owner: owner!, poster: owner!, conversationId: group.id, room: null, creds, sentinel: options.sentinel,
        controlCredential: await trueconfLogin(cluster.b, control!.username, control!.password),
        open: (jwt) => trueconfOpen(cluster, jwt),
        refused: trueconfRefused(group.id),
      });
    },
  },
  {
    id: 'trueconf-room', title: 'TrueConf bot in a room', door: 'trueconf', conversation: 'room',
    async setup(cluster, options) {
      const [poster, viewer, control] = await createAccounts(cluster, 'rp', 'rv', 'rc');
      const room = `mxroom${nextNumber()}`;
      const { core } = cluster.a.server;
      const roomId = (await core.conversations.openRoom(room)).id;
      // Members before their bots connect: `auth` subscribes a bot to its rooms.
      for (const member of [poster!, viewer!, control!]) await core.conversations.join(roomId, member.principal);
      const creds = await credentialsOf(cluster, viewer!);
      return scene(cluster, this, {
        viewer: viewer!, owner: null, poster: poster!, conversationId: roomId, room, creds, sentinel: options.sentinel,
        controlCredential: await trueconfLogin(cluster.b, control!.username, control!.password),
        open: (jwt) => trueconfOpen(cluster, jwt),
        refused: trueconfRefused(roomId),
      });
    },
  },
];
