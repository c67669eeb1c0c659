import { describe, expect, it } from 'vitest';
import type { Core } from '../../core/core.js';
import type { RosterNotice } from '../../core/events.js';
import type { UserId } from '../../core/model/ids.js';
import type { Principal } from '../../core/model/principal.js';
import type { OnlineSession } from '../../core/model/relation.js';
import { parseCommand, runCommand, shellWords, type CommandHost } from './commands.js';
import { readControl } from './control.js';
import type { Roster } from './roster.js';
import type { Report, Webhooks } from './webhooks.js';

describe('shell-style parsing (§6.1)', () => {
  it('splits on blanks and groups quoted words', () => {
    expect(shellWords('/kick "user 2"')).toEqual(['/kick', 'user 2']);
    expect(shellWords("/ban 'a b' 3")).toEqual(['/ban', 'a b', '3']);
    expect(shellWords('/kick a\\ b')).toEqual(['/kick', 'a b']);
    expect(shellWords('/kick "unbalanced')).toBeNull();
  });

  it('posts lines as text for non-operators, unknown commands and bad quoting', () => {
    expect(parseCommand('/kick bob', false)).toBeNull();
    expect(parseCommand('/dance bob', true)).toBeNull();
    expect(parseCommand('/kick "bob', true)).toBeNull();
    expect(parseCommand('hello', true)).toBeNull();
    expect(parseCommand('/kick @bob', true)).toEqual({ name: '/kick', args: ['@bob'] });
  });
});

const user = (id: number, username: string) => ({ id: id as UserId, username, displayName: username, isOperator: false });
const session = (id: number, username: string, video = 0): OnlineSession =>
  ({ id: `s${id}`, userId: id as UserId, nodeId: 'n', protocol: 'barertc', connectedAt: 0, state: { username, status: 'online', video, loginAt: 0, op: false } }) as unknown as OnlineSession;

/** A host over a fake core that records what the command did. */
function harness(online: OnlineSession[], opts: { bans?: { userId: UserId; username: string; until: number | null }[]; banned?: boolean } = {}) {
  const notices: string[] = [];
  const announced: RosterNotice[] = [];
  const signals: { userId: UserId; payload: string }[] = [];
  const bans: unknown[] = [];
  const reports: Report[] = [];
  const exits: number[] = [];
  const users = [user(1, 'op'), user(2, 'bob'), user(3, 'carol')];
  const core = {
    users: { findByUsername: async (n: string) => users.find((u) => u.username === n) ?? null },
    presence: {
      announce: async (_p: string, n: RosterNotice) => void announced.push(n),
      signal: async (_p: string, userId: UserId, payload: string) => void signals.push({ userId, payload }),
    },
    moderation: {
      ban: async (...args: unknown[]) => void bans.push(args),
      unban: async () => opts.banned === true,
      bans: async () => opts.bans ?? [],
      related: async () => [2, 3] as UserId[],
      unrelate: async () => true,
    },
  } as unknown as Core;
  const roster = { onlineNames: async () => new Map(online.map((s) => [(s.state as { username: string }).username, s])), refresh: () => {} } as unknown as Roster;
  const webhooks = { enabled: () => true, call: async () => ({}), report: async (r: Report) => (reports.push(r), 'ok') } as Webhooks;
  let unblockable = false;
  const host: CommandHost = {
    core,
    roster,
    webhooks,
    principal: { id: 1 as UserId, username: 'op' } as Principal,
    notice: (t) => void notices.push(t),
    markUnblockable: () => void (unblockable = true),
    exit: (c) => void exits.push(c),
    reconfigure: null,
    landingPageUrl: null,
    now: () => Date.UTC(2025, 2, 30, 10, 0, 0),
  };
  const run = async (line: string) => {
    const cmd = parseCommand(line, true)!;
    await runCommand(host, cmd.name, cmd.args);
  };
  return { run, host, notices, announced, signals, bans, reports, exits, unblockable: () => unblockable };
}

describe('operator commands (§6.1)', () => {
  it('/kick tells the target and everyone, then the operator', async () => {
    const h = harness([session(1, 'op'), session(2, 'bob')]);
    await h.run('/kick @bob');
    expect(h.announced).toEqual([{ username: 'bob', kind: 'kicked', end: { message: 'You have been kicked from the chat room by op' } }]);
    expect(h.notices).toEqual(['bob has been kicked from the room']);
    await h.run('/kick op');
    await h.run('/kick nobody');
    expect(h.notices.slice(1)).toEqual(['/kick: did you really mean to kick yourself?', '/kick: username not found: nobody']);
  });

  it('/ban bans server-wide for the hours given (24 by default) and ends the online target', async () => {
    const h = harness([session(2, 'bob')]);
    await h.run('/ban bob 2');
    expect(h.announced).toEqual([{ username: 'bob', kind: 'banned', end: { message: 'You have been banned from the chat room by op. You may come back after 2 hours.' } }]);
    expect(h.bans).toEqual([[null, 2, null, 'Banned by op', 7_200_000]]);
    await h.run('/ban carol soon');
    expect(h.bans[1]).toEqual([null, 3, null, 'Banned by op', 86_400_000]);
    expect(h.announced).toHaveLength(1); // carol is offline: banned, nobody to tell
    expect(h.notices).toEqual(['bob has been banned from the room for 2 hours.', 'carol has been banned from the room for 24 hours.']);
  });

  it('/unban and /bans answer with BareRTC’s texts', async () => {
    const yes = harness([], { banned: true, bans: [{ userId: 2 as UserId, username: 'bob', until: Date.UTC(2025, 2, 31, 10, 0, 0) }] });
    await yes.run('/unban bob');
    await yes.run('/bans');
    expect(yes.notices).toEqual(['The ban on bob has been lifted.', '<p>The listing of banned users currently includes:</p>\n<ul>\n<li><code>bob</code> banned until 2025-03-31T10:00:00Z</li>\n</ul>']);
    const no = harness([]);
    await no.run('/unban bob');
    expect(no.notices).toEqual(['/unban: user bob was not found to be banned. Try `/bans` to see current banned users.']);
  });

  it('/nsfw marks an active camera through a control, and reports it', async () => {
    const h = harness([session(2, 'bob', 1), session(3, 'carol', 0)]);
    await h.run('/nsfw bob');
    expect(h.signals).toHaveLength(1);
    expect(readControl(h.signals[0]!.payload)).toEqual({ kind: 'nsfw', message: "Just a friendly reminder to mark your camera as 'Explicit' by using the button at the top of the page if you are going to be sexual on webcam.<br><br>Your camera has been marked as Explicit for you by @op" });
    expect(h.notices).toEqual(['bob now has their camera marked as Explicit']);
    expect(h.reports).toEqual([{ fromUsername: 'op', aboutUsername: 'bob', channel: 'n/a', timestamp: '2025-03-30T10:00:00Z', reason: 'NSFW Command Issued', message: 'The admin @op marks the webcam red for user @bob', comment: 'An admin marked their webcam as explicit.' }]);
    await h.run('/nsfw carol');
    expect(h.notices[1]).toBe("/nsfw: carol's camera was not currently enabled.");
  });

  it('/cut sends cut to a broadcaster; a missing argument gets the usage line', async () => {
    const h = harness([session(2, 'bob', 1)]);
    await h.run('/cut bob');
    await h.run('/cut');
    expect(h.signals).toEqual([{ userId: 2, payload: '{"action":"cut"}' }]);
    expect(h.notices).toEqual(['bob has been told to turn off their camera.', '<p>Usage: <code>/cut username</code> to turn their camera off.</p>']);
  });

  it('/op and /deop change the target’s session through a control', async () => {
    const h = harness([session(2, 'bob')]);
    await h.run('/op bob');
    await h.run('/deop bob');
    await h.run('/op nobody');
    expect(h.signals.map((s) => readControl(s.payload))).toEqual([{ kind: 'op', op: true }, { kind: 'op', op: false }]);
    expect(h.notices).toEqual(['Operator rights have been granted to bob', 'Operator rights have been taken from bob', '/op: user nobody was not found.']);
  });

  it('/unmute-all lifts the operator’s mutes and marks them unblockable', async () => {
    const h = harness([]);
    await h.run('/unmute-all');
    expect(h.notices).toEqual(['Your mute on 2 users has been lifted.']);
    expect(h.unblockable()).toBe(true);
  });

  it('/shutdown tells everyone, then exits non-zero; /kickall ends every user', async () => {
    const h = harness([session(1, 'op'), session(2, 'bob')]);
    await h.run('/shutdown');
    expect(h.signals.map((s) => s.payload)).toEqual(Array(2).fill('{"action":"error","username":"ChatServer","message":"The chat server is going down for a reboot NOW!"}'));
    expect(h.exits).toEqual([1]);
    await h.run('/kickall');
    expect(h.announced.map((n) => [n.username, n.kind, n.end?.message?.startsWith('<strong>Notice:</strong> The chat operator has kicked everybody')])).toEqual([['op', null, true], ['bob', null, true]]);
  });

  it('/reconfigure reports when reloading is not available; /help renders', async () => {
    const h = harness([]);
    await h.run('/reconfigure');
    await h.run('/help');
    expect(h.notices[0]).toBe('Error reloading the server config: reloading is not available on this server');
    expect(h.notices[1]).toContain('<li><code>/kick &lt;username&gt;</code> to kick from chat</li>');
  });
});
