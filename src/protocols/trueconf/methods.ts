import type { Core } from '../../core/core.js';
import { surveyText } from '../../core/services/message-service.js';
import { ChatError } from '../../core/errors.js';
import type { Conversation, MemberRole } from '../../core/model/conversation.js';
import type { UserId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import { textLimitRefusal } from '../text-limits.js';
import { TC } from './errors.js';
import { envelopesFor } from './envelopes.js';
import { fileUrl, fromParseMode, toChat, toChatId, toMsgId, usernameOf } from './mapping.js';

/** A TrueConf error the core has no code for (unknown method, bad payload): answered as is. */
export class MethodError extends Error {
  constructor(readonly errorCode: number, readonly errorDescription?: string) {
    super(errorDescription ?? `errorCode ${errorCode}`);
  }
}

/** What a method handler gets: the core, the authenticated bot and the server's domain. */
export interface MethodContext {
  readonly core: Core;
  readonly me: Principal;
  readonly domain: string;
  /** Base URL for download links. */
  readonly publicUrl: string;
  /** Send a server request (an event) to this connection after the response. */
  notify(method: string, payload: unknown): void;
}

type Payload = Record<string, unknown>;
/** One client → server method (§2): payload in, response payload out. */
export type Method = (ctx: MethodContext, payload: Payload) => Promise<unknown>;

/** Roles as strings (§2.3): Parley's member is TrueConf's `user`. */
export const ROLE_TO_WIRE: Record<MemberRole, string> = { owner: 'owner', admin: 'admin', member: 'user' };
const ROLE_FROM_WIRE: Readonly<Record<string, MemberRole>> = { owner: 'owner', admin: 'admin', user: 'member' };
const trueconfId = (ctx: MethodContext, username: string) => `${username}@${ctx.domain}`;

function chatIdOf(payload: Payload) {
  const id = toChatId(payload['chatId']);
  if (id === undefined) throw new MethodError(TC.CHAT_NOT_FOUND, 'Chat not found');
  return id;
}
function messageIdOf(payload: Payload) {
  const id = toMsgId(payload['messageId']);
  if (id === undefined) throw new MethodError(TC.MESSAGE_NOT_FOUND, 'Message not found');
  return id;
}
async function userIdOf(ctx: MethodContext, value: unknown): Promise<UserId> {
  const username = usernameOf(value, ctx.domain);
  const user = username === undefined ? null : await ctx.core.users.findByUsername(username);
  if (!user) throw new ChatError('USER_NOT_FOUND', 'User not found');
  return user.id;
}
function content(payload: Payload): { text: string; format: ReturnType<typeof fromParseMode> } {
  const c = payload['content'];
  if (typeof c !== 'object' || c === null || typeof (c as Payload)['text'] !== 'string') throw new MethodError(TC.UNKNOWN_MESSAGE, 'content.text is required');
  const text = (c as Payload)['text'] as string;
  const refusal = textLimitRefusal('trueconf', text); // §2.2: at most 4096 code points (text-limits.ts)
  if (refusal !== null) throw new MethodError(TC.UNKNOWN_MESSAGE, refusal);
  return { text, format: fromParseMode((c as Payload)['parseMode']) };
}

/** The title a chat shows the bot: the other person's name for P2P chats (§2.3). */
async function titleFor(ctx: MethodContext, c: Conversation): Promise<string> {
  if (c.kind !== 'direct') return c.title || c.name || '';
  const other = (await ctx.core.conversations.members(c.id, ctx.me.id)).find((m) => m.userId !== ctx.me.id);
  const user = other ? await ctx.core.users.findById(other.userId) : null;
  return user?.displayName ?? '';
}
async function chatObject(ctx: MethodContext, c: Conversation) {
  const avatarUrl = c.avatarFileId === null ? null : fileUrl(ctx.publicUrl, c.avatarFileId, ctx.core.files.capability(c.avatarFileId));
  // lastMessage: one newest-first index lookup through the reader's own view (issue 9).
  const [newest] = (await ctx.core.messages.history(ctx.me, c.id, { limit: 1, skipDeleted: true, skipForwards: true })).messages;
  const [lastMessage] = newest ? await envelopesFor(ctx, [newest], { replies: false, conversation: c }) : [];
  return toChat(c, await titleFor(ctx, c), await ctx.core.messages.unreadCount(ctx.me, c.id), avatarUrl, lastMessage ?? null);
}

/** Every method served, by its case-sensitive name (§2). */
export const METHODS: Readonly<Record<string, Method>> = {
  async sendMessage(ctx, p) {
    const { text, format } = content(p);
    const replyToId = p['replyMessageId'] == null ? null : messageIdOf({ messageId: p['replyMessageId'] });
    const m = await ctx.core.messages.send(ctx.me, { conversationId: chatIdOf(p), text, format, replyToId });
    return { chatId: String(m.conversationId), messageId: String(m.id), timestamp: m.createdAt };
  },
  async sendSurvey(ctx, p) {
    const c = surveyFields(p);
    if (typeof c['url'] !== 'string' || typeof c['title'] !== 'string') throw new MethodError(TC.UNKNOWN_MESSAGE, 'content.url and content.title are required');
    const survey = { ...c, url: c['url'], title: c['title'] };
    const replyToId = p['replyMessageId'] == null ? null : messageIdOf({ messageId: p['replyMessageId'] });
    const m = await ctx.core.messages.send(ctx.me, { conversationId: chatIdOf(p), text: surveyText(survey), survey, replyToId });
    return { chatId: String(m.conversationId), messageId: String(m.id), timestamp: m.createdAt };
  },
  async editSurvey(ctx, p) {
    const m = await ctx.core.messages.editSurvey(ctx.me, messageIdOf(p), surveyFields(p));
    return { messageId: String(m.id), timestamp: m.editedAt ?? m.createdAt };
  },
  async editMessage(ctx, p) {
    const { text, format } = content(p);
    // The edit's parseMode becomes the message's format; without one the format stays (issue 9).
    const m = await ctx.core.messages.edit(ctx.me, messageIdOf(p), text, (p['content'] as Payload)['parseMode'] === undefined ? undefined : format);
    return { messageId: String(m.id), timestamp: m.editedAt ?? m.createdAt };
  },
  async getMessageById(ctx, p) {
    const [envelope] = await envelopesFor(ctx, [await ctx.core.messages.get(ctx.me, messageIdOf(p))], { replies: true });
    return envelope;
  },
  async getChatHistory(ctx, p) {
    const chatId = chatIdOf(p);
    const count = typeof p['count'] === 'number' && Number.isInteger(p['count']) && p['count'] >= 1 ? Math.min(p['count'], 100) : 50;
    const from = p['fromMessageId'] == null ? undefined : messageIdOf({ messageId: p['fromMessageId'] });
    // fromMessageId is inclusive; the page runs backwards from it, newest first (§2.2 our choice).
    const page = await ctx.core.messages.history(ctx.me, chatId, { ...(from === undefined ? {} : { beforeId: (from + 1) as typeof from }), limit: count, skipDeleted: true });
    const messages = await envelopesFor(ctx, [...page.messages].reverse(), { replies: true });
    return { chatId: String(chatId), count: messages.length, messages };
  },
  async forwardMessage(ctx, p) {
    const m = await ctx.core.messages.forward(ctx.me, messageIdOf(p), chatIdOf(p));
    return { chatId: String(m.conversationId), messageId: String(m.id), timestamp: m.createdAt };
  },
  async createP2PChat(ctx, p) {
    try {
      const c = await ctx.core.conversations.openDirect(ctx.me, await userIdOf(ctx, p['userId']));
      return { chatId: String(c.id) };
    } catch (e) {
      // §5 has no "user not found" code: no chat with an unknown user can be found or made, so
      // 304 with the description saying why, not 305 (issue 9).
      if (e instanceof ChatError && e.code === 'USER_NOT_FOUND') throw new MethodError(TC.CHAT_NOT_FOUND, 'User not found');
      throw e;
    }
  },
  async createGroupChat(ctx, p) {
    const title = typeof p['title'] === 'string' ? p['title'] : typeof p['name'] === 'string' ? p['name'] : '';
    const c = await ctx.core.conversations.createGroup(ctx.me, title, []);
    return { chatId: String(c.id) };
  },
  async createChannel(ctx, p) {
    const title = typeof p['title'] === 'string' ? p['title'] : typeof p['name'] === 'string' ? p['name'] : '';
    return { chatId: String((await ctx.core.conversations.createChannel(ctx.me, title)).id) };
  },
  async createFavoritesChat(ctx) {
    return { chatId: String((await ctx.core.conversations.openFavorites(ctx.me)).id) };
  },
  async getChats(ctx, p) {
    const count = typeof p['count'] === 'number' && p['count'] >= 1 ? Math.trunc(p['count']) : 50;
    const page = typeof p['page'] === 'number' && p['page'] >= 1 ? Math.trunc(p['page']) : 1;
    const all = await ctx.core.conversations.listForUser(ctx.me.id);
    return Promise.all(all.slice((page - 1) * count, page * count).map((c) => chatObject(ctx, c))); // a bare array (§2.3)
  },
  async getChatByID(ctx, p) {
    return chatObject(ctx, await ctx.core.conversations.checkMember(chatIdOf(p), ctx.me.id));
  },
  async getChatParticipants(ctx, p) {
    const members = await ctx.core.conversations.members(chatIdOf(p), ctx.me.id);
    const size = typeof p['pageSize'] === 'number' && p['pageSize'] >= 1 ? Math.trunc(p['pageSize']) : members.length || 1;
    const number = typeof p['pageNumber'] === 'number' && p['pageNumber'] >= 1 ? Math.trunc(p['pageNumber']) : 1;
    const slice = members.slice((number - 1) * size, number * size);
    const users = await ctx.core.users.findMany(slice.map((m) => m.userId));
    return { participants: slice.map((m) => ({ userId: trueconfId(ctx, users.get(m.userId)?.username ?? 'unknown'), role: ROLE_TO_WIRE[m.role] })) };
  },
  async hasChatParticipant(ctx, p) {
    const userId = await userIdOf(ctx, p['userId']).catch(() => null);
    const members = await ctx.core.conversations.members(chatIdOf(p), ctx.me.id);
    return { result: userId !== null && members.some((m) => m.userId === userId) };
  },
  async getChatParticipant(ctx, p) {
    const userId = await userIdOf(ctx, p['userId']);
    const member = (await ctx.core.conversations.members(chatIdOf(p), ctx.me.id)).find((m) => m.userId === userId);
    if (!member) throw new ChatError('NOT_A_MEMBER', 'User is not a chat participant');
    const user = await ctx.core.users.findById(userId);
    return { userId: trueconfId(ctx, user?.username ?? 'unknown'), role: ROLE_TO_WIRE[member.role], type: 1 };
  },
  async getUserDisplayName(ctx, p) {
    const user = await ctx.core.users.findById(await userIdOf(ctx, p['userId']));
    return { displayName: user?.displayName ?? '' };
  },
  async removeMessage(ctx, p) {
    // forAll: true deletes for everyone (author or moderator); false removes it from the bot's view only.
    if (p['forAll'] === true) await ctx.core.messages.remove(ctx.me, messageIdOf(p));
    else await ctx.core.messages.hide(ctx.me, messageIdOf(p));
    return {};
  },
  async addChatParticipant(ctx, p) {
    await ctx.core.memberships.add(ctx.me, chatIdOf(p), await userIdOf(ctx, p['userId']));
    return {};
  },
  async removeChatParticipant(ctx, p) {
    await ctx.core.memberships.remove(ctx.me, chatIdOf(p), await userIdOf(ctx, p['userId']));
    return {};
  },
  async changeParticipantRole(ctx, p) {
    const role = typeof p['role'] === 'string' && Object.hasOwn(ROLE_FROM_WIRE, p['role']) ? ROLE_FROM_WIRE[p['role']] : undefined;
    if (!role) throw new MethodError(TC.ROLE_NOT_FOUND, 'Role not found');
    await ctx.core.memberships.setRole(ctx.me, chatIdOf(p), await userIdOf(ctx, p['userId']), role);
    return {};
  },
  async editChatTitle(ctx, p) {
    const { conversation, at } = await ctx.core.memberships.rename(ctx.me, chatIdOf(p), typeof p['title'] === 'string' ? p['title'] : '');
    return { chatId: String(conversation.id), timestamp: at };
  },
  async editChatAvatar(ctx, p) {
    if (typeof p['temporalFileId'] !== 'string') throw new MethodError(TC.FILE_NOT_FOUND, 'temporalFileId is required');
    await ctx.core.memberships.setAvatar(ctx.me, chatIdOf(p), p['temporalFileId']);
    return {};
  },
  async removeChat(ctx, p) {
    await ctx.core.memberships.removeConversation(ctx.me, chatIdOf(p));
    return {};
  },
  async clearHistory(ctx, p) {
    await ctx.core.memberships.clearHistory(ctx.me, chatIdOf(p), p['forAll'] === true);
    return {};
  },
  async getFileUploadLimits(ctx) {
    return uploadLimits(ctx.core);
  },
  async uploadFile(ctx, p) {
    const size = p['fileSize'];
    if (typeof size !== 'number') throw new MethodError(TC.UPLOAD_FAILED, 'fileSize is required');
    return { uploadTaskId: await ctx.core.files.requestUpload(ctx.me, { name: typeof p['fileName'] === 'string' ? p['fileName'] : '', size }) };
  },
  async sendFile(ctx, p) {
    const c = (typeof p['content'] === 'object' && p['content'] !== null ? p['content'] : {}) as Payload;
    if (typeof c['temporalFileId'] !== 'string') throw new MethodError(TC.FILE_NOT_FOUND, 'content.temporalFileId is required');
    const cap = typeof c['caption'] === 'object' && c['caption'] !== null ? (c['caption'] as Payload) : null;
    const caption = cap && typeof cap['text'] === 'string' ? content({ content: cap }) : null; // the same 4096 limit as messages
    const replyToId = p['replyMessageId'] == null ? null : messageIdOf({ messageId: p['replyMessageId'] });
    const { message, caption: captionMessage } = await ctx.core.files.send(ctx.me, { conversationId: chatIdOf(p), temporalId: c['temporalFileId'], replyToId, caption });
    return {
      chatId: String(message.conversationId), messageId: String(message.id), timestamp: message.createdAt, fileId: message.attachment?.fileId,
      ...(captionMessage ? { captionMessageId: String(captionMessage.id) } : {}),
    };
  },
  async getFileInfo(ctx, p) {
    const file = await ctx.core.files.info(ctx.me, typeof p['fileId'] === 'string' ? p['fileId'] : '');
    const downloadUrl = fileUrl(ctx.publicUrl, file.id, ctx.core.files.capability(file.id));
    return { name: file.name, size: file.size, mimeType: file.mimeType, readyState: 2, fileId: file.id, infoHash: file.id, downloadUrl, previews: null };
  },
  async subscribeFileProgress(ctx, p) {
    // Uploads complete before a file id exists, so the progress is already final (§2.4).
    const file = await ctx.core.files.info(ctx.me, typeof p['fileId'] === 'string' ? p['fileId'] : '');
    ctx.notify('uploadFileProgress', { fileId: file.id, progress: file.size });
    return { result: true };
  },
  async unsubscribeFileProgress() {
    return { result: true };
  },
};

/** A survey card's string and number fields (§2.2 sendSurvey / editSurvey), nothing else. */
function surveyFields(p: Payload): Record<string, string | number> {
  const c = typeof p['content'] === 'object' && p['content'] !== null ? (p['content'] as Payload) : {};
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(c)) if ((typeof v === 'string' && v.length <= 4096) || typeof v === 'number') out[k] = v;
  return out;
}

/** The limits as `getFileUploadLimits` answers and pushes them (§2.4, §3). */
export function uploadLimits(core: Core): { extensions: unknown; maxSize: number | null } {
  const { maxSize, extensions } = core.files.limits;
  return { extensions: extensions ? { mode: extensions.mode, list: [...extensions.list] } : null, maxSize };
}
