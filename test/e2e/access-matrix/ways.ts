import { expect } from 'vitest';
import { toConversationId } from '../../../src/core/model/ids.js';
import { http } from '../../conformance/chatcli/helpers.js';
import { TrueConfBot } from '../../conformance/trueconf/client.js';
import { NEW_PASSWORD, parley, resetLinkFromOutbox } from './cluster.js';
import { trueconfLogin } from './doors.js';
import type { Scene, ViewerKind } from './viewers.js';

// The ways a viewer loses access (issue 8), each made through ANOTHER door than the viewer's
// socket, or by the CLI, always on node A (or as a separate process).

/**
 * What the viewer loses: one conversation; every session without its credentials (a
 * server-wide ban); every credential of the account; or one login (a ChatCLI token family).
 */
export type Scope = 'conversation' | 'server' | 'account' | 'login';

/** How a way reaches a viewer kind: the door or tool that makes the change, or why the cell cannot exist. */
export type Plan = { readonly via: string; readonly cli: boolean } | { readonly skip: string };

export interface Way {
  readonly id: 'leave' | 'removal' | 'ban' | 'server-ban' | 'disabled' | 'reset' | 'change' | 'logout' | 'logout-all';
  readonly title: string;
  readonly scope: Scope;
  /** For account-wide ways: how a credential issued before the change is refused. */
  readonly refusedAs?: 'revoked' | 'disabled';
  plan(kind: ViewerKind): Plan;
  /** Make the change; resolves once the door or the CLI has answered. */
  apply(scene: Scene): Promise<void>;
}

/** The viewer's own TrueConf bot on node A removes itself (trueconf.md §2.3 removeChatParticipant). */
async function removeViaTrueconf(scene: Scene, actor: { username: string; password: string }): Promise<void> {
  const { a } = scene.cluster;
  const bot = await TrueConfBot.connect(a.wsUrl, await trueconfLogin(a, actor.username, actor.password));
  try {
    await bot.request('removeChatParticipant', { chatId: String(scene.conversationId), userId: scene.viewer.trueconfId });
  } finally {
    await bot.close();
  }
}

/** The viewer leaves through ChatCLI's HTTP door on node A (chatcli.md §5.9 delete-chat). */
async function leaveViaChatcli(scene: Scene): Promise<void> {
  const res = await http(scene.cluster.a).post('/chat/delete-chat', { session_token: scene.creds.chatcli.access, chatID: scene.conversationId });
  expect(res.status, res.body).toBe(200);
}

/** A ChatCLI route on node A with the viewer's token; it must answer 200. */
async function chatcli(scene: Scene, route: string, body: Record<string, unknown>): Promise<void> {
  const res = await http(scene.cluster.a).post(route, { session_token: scene.creds.chatcli.access, ...body });
  expect(res.status, `${route}: ${res.body}`).toBe(200);
}

const ACCOUNT_CHANGE = (via: string) => (): Plan => ({ via, cli: via.startsWith('CLI') });

/** Every way, in table order. */
export const WAYS: readonly Way[] = [
  {
    id: 'leave', title: 'leave', scope: 'conversation',
    plan: (kind) => kind.id === 'chatcli-direct'
      ? { via: 'ChatCLI POST /chat/delete-chat over HTTP (a P2P chat cannot be left through TrueConf)', cli: false }
      : kind.door === 'trueconf'
        ? { via: 'ChatCLI POST /chat/delete-chat', cli: false }
        : { via: "the viewer's TrueConf bot removes itself", cli: false },
    apply: (scene) => (scene.kind.door === 'trueconf' || scene.kind.id === 'chatcli-direct' ? leaveViaChatcli(scene) : removeViaTrueconf(scene, scene.viewer)),
  },
  {
    id: 'removal', title: 'removal', scope: 'conversation',
    plan: (kind) => kind.conversation === 'room'
      ? { skip: 'a room has no owner or admin, so no one can remove a member (a ban is its removal)' }
      : kind.conversation === 'direct'
        ? { skip: 'no one is removed from a direct chat (TrueConf refuses to edit P2P chats); see the ChatCLI group row' }
        : { via: "the group owner's TrueConf bot removes the viewer", cli: false },
    apply: (scene) => removeViaTrueconf(scene, scene.owner!),
  },
  {
    id: 'ban', title: 'ban from the conversation', scope: 'conversation',
    plan: (kind) => kind.conversation === 'room'
      ? { via: 'CLI parley user ban --room', cli: true }
      : { via: 'moderation.ban on node A in-process (no door bans from a group or direct chat)', cli: false },
    async apply(scene) {
      if (scene.room !== null) return parley(scene.cluster, ['user', 'ban', scene.viewer.username, '--room', scene.room]);
      await scene.cluster.a.server.core.moderation.ban(null, scene.viewer.id, toConversationId(scene.conversationId), 'matrix', null);
    },
  },
  {
    id: 'server-ban', title: 'ban from the server', scope: 'server',
    plan: ACCOUNT_CHANGE('CLI parley user ban'),
    apply: (scene) => parley(scene.cluster, ['user', 'ban', scene.viewer.username]),
  },
  {
    id: 'disabled', title: 'account disabled', scope: 'account', refusedAs: 'disabled',
    plan: ACCOUNT_CHANGE('CLI parley user disable'),
    apply: (scene) => parley(scene.cluster, ['user', 'disable', scene.viewer.username]),
  },
  {
    id: 'reset', title: 'password reset', scope: 'account', refusedAs: 'revoked',
    plan: ACCOUNT_CHANGE('ChatCLI reset-password-request, mailed link, POST /user/reset-password'),
    async apply(scene) {
      const { a } = scene.cluster;
      const api = http(a);
      expect((await api.post('/user/reset-password-request', { username: scene.viewer.username })).status).toBe(200);
      const token = (await resetLinkFromOutbox(a, scene.viewer.email)).searchParams.get('token')!;
      const res = await api.post('/user/reset-password', { username: scene.viewer.username, token, password: NEW_PASSWORD, confirm_password: NEW_PASSWORD });
      expect(res.status, res.body).toBe(200);
      scene.viewer.password = NEW_PASSWORD;
    },
  },
  {
    id: 'change', title: 'password change', scope: 'account', refusedAs: 'revoked',
    plan: ACCOUNT_CHANGE('ChatCLI POST /user/change-password'),
    async apply(scene) {
      await chatcli(scene, '/user/change-password', { old_password: scene.viewer.password, new_password: NEW_PASSWORD });
      scene.viewer.password = NEW_PASSWORD;
    },
  },
  {
    id: 'logout', title: 'logout (one login, its refresh family)', scope: 'login',
    plan: (kind) => kind.door === 'chatcli'
      ? { via: 'ChatCLI POST /user/logout', cli: false }
      : { skip: `${kind.door} tokens belong to no ChatCLI login, so logging one out leaves them (checked in the ChatCLI rows); see logout-all` },
    apply: (scene) => chatcli(scene, '/user/logout', {}),
  },
  {
    id: 'logout-all', title: 'logout from every device', scope: 'account', refusedAs: 'revoked',
    plan: ACCOUNT_CHANGE('ChatCLI POST /user/logout-all'),
    apply: (scene) => chatcli(scene, '/user/logout-all', {}),
  },
];
