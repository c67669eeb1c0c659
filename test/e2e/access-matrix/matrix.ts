import { expect, it } from 'vitest';
import { nextNumber, PASSWORD, type Cluster } from './cluster.js';
import {
  chatcliLogin, connorLogin, connorRefusal, expectChatcliAccess, expectChatcliRefreshRefused, expectConnorJwt, expectTrueconfJwt, trueconfLogin,
  TrueconfWatch, type CredentialState, type Door, type Watch,
} from './doors.js';
import { credentialOf, isWatch, VIEWER_KINDS, type Scene, type ViewerKind } from './viewers.js';
import { WAYS, type Plan, type Way } from './ways.js';

// The access matrix (issue 8): every viewer kind × every way of losing access. A cell proves,
// without sleeping, that the next message in the conversation reaches a control but not the
// viewer — on the socket that was open and on new ones — and that what the viewer held before
// the change no longer opens the conversation or, for account-wide changes, authenticates.

/** One cell of the table. */
export interface Cell {
  readonly kind: ViewerKind;
  readonly way: Way;
  readonly plan: Plan;
}

/** Every cell, skipped ones included, in table order. */
export const CELLS: readonly Cell[] = VIEWER_KINDS.flatMap((kind) => WAYS.map((way) => ({ kind, way, plan: way.plan(kind) })));

/** The cell of a viewer kind and a way. */
export function cell(kindId: ViewerKind['id'], wayId: Way['id']): Cell {
  const found = CELLS.find((c) => c.kind.id === kindId && c.way.id === wayId);
  if (!found) throw new Error(`no cell ${kindId} × ${wayId}`);
  return found;
}

/**
 * Register one vitest test per cell: impossible ones as it.skip with the reason in the title.
 * Cells share the nodes but nothing else (each makes its own accounts and conversations), so they
 * run concurrently: most of a CLI cell's time is the `parley` process starting.
 */
export function matrixTests(cluster: () => Cluster, cells: readonly Cell[]): void {
  for (const c of cells) {
    const name = `${c.kind.title} × ${c.way.title}`;
    if ('skip' in c.plan) it.skip(`${name} — impossible: ${c.plan.skip}`, () => undefined);
    else it.concurrent(`${name} — via ${c.plan.via}`, () => runCell(cluster(), c.kind, c.way, c.plan as { via: string; cli: boolean }));
  }
}

/** A room the connor probes may join: a valid token's upgrade joins the room it names. */
const PROBE_ROOM = 'matrix-probe';

/** Sockets that must see the next message, and sockets that must not. */
interface Fresh {
  readonly receive: Watch[];
  readonly miss: Watch[];
}

async function runCell(cluster: Cluster, kind: ViewerKind, way: Way, plan: { via: string; cli: boolean }): Promise<void> {
  // A CLI change to a room reaches node B by its poll (SQLite) or the bus, with nothing to show
  // it on a socket that stays open: a connor socket of the viewer in the room closes when it lands.
  const scene = await kind.setup(cluster, { sentinel: plan.cli && way.scope === 'conversation' && kind.door !== 'connor' });
  try {
    await way.apply(scene);
    // 1. The change has reached node B. Ending changes close the viewer's socket (so does any
    // loss of a room for connor, whose socket is the room).
    if (way.scope !== 'conversation' || kind.door === 'connor') expect(await scene.socket.closed(), 'the viewer socket closes').toBe(1008);
    if (scene.sentinel) expect(await scene.sentinel.closed(), 'the sentinel socket closes').toBe(1008);
    // 2. New requests, before the next message.
    const fresh = await newRequests(scene, way);
    // 3. The next message reaches the control (and the viewer's new login, where there is one), not the viewer.
    const text = `after ${way.id} ${nextNumber()}`;
    await scene.post(text);
    await scene.control.received(text);
    for (const w of fresh.receive) await w.received(text);
    const shown: string[] = [];
    for (const [label, w] of [['the socket open before the change', scene.socket] as const, ...fresh.miss.map((m) => ['a socket opened after the change', m] as const)]) {
      await w.settle();
      if (w.texts().includes(text)) shown.push(label);
    }
    expect(shown, 'viewer sockets shown the next message').toEqual([]);
    // Every TrueConf bot was shown only frames the python client accepts.
    for (const w of [scene.socket, scene.control, ...fresh.receive, ...fresh.miss]) if (w instanceof TrueconfWatch) expect(w.bot.violations).toEqual([]);
  } finally {
    await scene.dispose();
  }
}

/** What the viewer's credentials and doors answer after the change. */
async function newRequests(scene: Scene, way: Way): Promise<Fresh> {
  const { kind, creds } = scene;
  const { b } = scene.cluster;
  switch (way.scope) {
    case 'conversation': {
      const loss = way.id === 'ban' ? 'banned' : 'gone';
      await scene.expectRefused(scene.socket, loss);
      // connor's new request is the upgrade itself, refused for a ban; a room that was left can be joined again.
      if (kind.door === 'connor') return { receive: [], miss: [] };
      // The viewer's credentials still authenticate: a new socket opens, but the conversation is not shown on it.
      const socket = await scene.open(credentialOf(creds, kind.door));
      if (!isWatch(socket)) throw new Error(`the viewer's new socket was refused: ${socket.refused}`);
      await scene.expectRefused(socket, loss);
      return { receive: [], miss: [socket] };
    }
    case 'server': {
      // While a server-wide ban lasts no credential authenticates (they are not revoked: they work again after it).
      expect(await connorRefusal(b, scene.room ?? PROBE_ROOM, creds.connorJwt), 'connor upgrade after a server ban').toEqual({ status: 403, type: 'BANNED' });
      if (kind.door === 'connor') return { receive: [], miss: [] };
      await scene.expectRefused(null, 'server-banned');
      const socket = await scene.open(credentialOf(creds, kind.door));
      if (!isWatch(socket)) return { receive: [], miss: [] }; // refused, or closed at once: nothing can reach it
      await scene.expectRefused(socket, 'banned');
      return { receive: [], miss: [socket] };
    }
    case 'account': {
      await expectEveryCredential(scene, way.refusedAs!);
      const password = scene.viewer.password;
      if (way.refusedAs === 'disabled') {
        await expect(doorLogin(scene, kind.door, password), 'password login of a disabled account').rejects.toThrow();
        return { receive: [], miss: [] };
      }
      if (password !== PASSWORD) await expect(doorLogin(scene, kind.door, PASSWORD), 'login with the old password').rejects.toThrow();
      // A login made after the change is a new session: it survives, and sees the conversation.
      const socket = await scene.open(await doorLogin(scene, kind.door, password));
      if (!isWatch(socket)) throw new Error(`a login after the change could not open a socket: ${socket.refused}`);
      return { receive: [socket], miss: [] };
    }
    case 'login': {
      // That login is over, on HTTP, socket and refresh; the account's other logins and doors are not.
      await expectChatcliAccess(b, creds.chatcli.access, 'revoked');
      await expectChatcliRefreshRefused(b, creds.chatcli.refresh);
      await expectChatcliAccess(b, creds.chatcliOther.access, 'valid');
      await expectConnorJwt(b, PROBE_ROOM, creds.connorJwt, 'valid');
      await expectTrueconfJwt(b, creds.trueconfJwt, 'valid');
      const socket = await scene.open(creds.chatcliOther.access);
      if (!isWatch(socket)) throw new Error(`the viewer's other login could not open a socket: ${socket.refused}`);
      return { receive: [socket], miss: [] };
    }
  }
}

/** Every credential issued before an account-wide change is refused, on every door. */
async function expectEveryCredential(scene: Scene, state: Exclude<CredentialState, 'valid'>): Promise<void> {
  const { b } = scene.cluster;
  const { creds } = scene;
  await expectConnorJwt(b, scene.room ?? PROBE_ROOM, creds.connorJwt, state);
  for (const login of [creds.chatcli, creds.chatcliOther]) {
    await expectChatcliAccess(b, login.access, state);
    await expectChatcliRefreshRefused(b, login.refresh);
  }
  await expectTrueconfJwt(b, creds.trueconfJwt, state);
}

/** A password login on node B through one door: its credential, or a rejection. */
async function doorLogin(scene: Scene, door: Door, password: string): Promise<string> {
  const { b } = scene.cluster;
  const { username } = scene.viewer;
  if (door === 'connor') return connorLogin(b, username, password);
  if (door === 'chatcli') return (await chatcliLogin(b, username, password)).access;
  return trueconfLogin(b, username, password);
}
