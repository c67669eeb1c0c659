import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { DomainEvent, RosterDelta } from '../../core/events.js';
import { toUserId, type UserId } from '../../core/model/ids.js';
import type { OnlineSession } from '../../core/model/relation.js';
import { createRoster, type RosterMember, type RosterRelation } from './roster.js';

// The roster's copy of the shared registry (roster.ts): read once, then kept from deltas.

function session(id: number, name: string): OnlineSession {
  return { id: `s${id}`, userId: toUserId(id), nodeId: 'n', protocol: 'barertc', connectedAt: id, state: { username: name, status: 'online', video: 0, loginAt: 1, op: false } };
}

/** A roster with no warm-ups and no VIP or admin rules. */
const BASE_OPTIONS = { logger: pino({ level: 'silent' }), presenceWarmupMs: 0, whoWarmupMs: 0, blockableAdmins: false, vipMutuallySecret: false };

function fixture(initial: OnlineSession[], relations: RosterRelation[] = []) {
  const registry = new Map(initial.map((s) => [s.id, s]));
  let rels = [...relations];
  const reads = { sessions: 0, among: 0, of: 0 };
  const roster = createRoster({
    ...BASE_OPTIONS,
    arrivalTimeoutMs: 50,
    source: {
      sessions: async () => (reads.sessions++, [...registry.values()]),
      relationsAmong: async (ids) => (reads.among++, rels.filter((r) => ids.includes(r.ownerId) && ids.includes(r.targetId))),
      relationsOf: async (id) => (reads.of++, rels.filter((r) => r.ownerId === id || r.targetId === id)),
    },
  });
  const event = (delta?: RosterDelta): DomainEvent => ({ type: 'roster.changed', protocol: 'barertc', ...(delta ? { delta } : {}) });
  return {
    roster,
    reads,
    join(s: OnlineSession) {
      registry.set(s.id, s);
      roster.onEvent(event({ kind: 'added', session: s }));
    },
    leave(id: string) {
      registry.delete(id);
      roster.onEvent(event({ kind: 'removed', sessionId: id }));
    },
    relate(r: RosterRelation, added = true) {
      rels = added ? [...rels, r] : rels.filter((x) => !(x.ownerId === r.ownerId && x.targetId === r.targetId && x.kind === r.kind));
      roster.onEvent({ type: 'relation.changed', ownerId: r.ownerId, targetId: r.targetId, kind: r.kind as 'mute', added });
    },
    /** A registry change no delta tells of (a swept node). */
    silently(s: OnlineSession) {
      registry.set(s.id, s);
    },
    sweep: () => roster.onEvent(event()),
  };
}

const member = (id: number, name: string): RosterMember => ({ userId: toUserId(id), username: name, sessionId: `s${id}`, isOperator: () => false, isVip: () => false, send: () => {}, sendAll: () => {}, backlog: () => 0, signOut: () => {} });
const names = async (f: { roster: ReturnType<typeof createRoster> }, m: RosterMember) => (await f.roster.whoFor(m)).map((e) => e.username);

describe('BareRTC roster copy', () => {
  it('reads the registry once, then follows arrivals and departures from their deltas alone', async () => {
    const f = fixture([session(1, 'alice')]);
    expect(await names(f, member(1, 'alice'))).toEqual(['alice']);
    for (let i = 2; i <= 50; i++) f.join(session(i, `u${String(i).padStart(2, '0')}`));
    f.leave('s2');
    const list = await names(f, member(50, 'u50'));
    expect(list).toHaveLength(49);
    expect(list[0]).toBe('alice');
    expect(list).not.toContain('u02');
    expect(f.reads.sessions).toBe(1);
    // each newcomer's relations are read alone, never the whole roster's again
    expect(f.reads.among).toBe(0);
    expect(f.reads.of).toBe(49);
  });

  it("applies a newcomer's blocks before anyone sees them, and relation deltas after", async () => {
    const A = toUserId(1);
    const B = toUserId(2);
    const f = fixture([session(1, 'alice')], [{ ownerId: B, targetId: A, kind: 'block' }]);
    await names(f, member(1, 'alice'));
    f.join(session(2, 'bob'));
    expect(await names(f, member(1, 'alice'))).toEqual(['alice']);
    f.relate({ ownerId: B, targetId: A, kind: 'block' }, false);
    expect(await names(f, member(1, 'alice'))).toEqual(['alice', 'bob']);
    f.relate({ ownerId: A, targetId: B as UserId, kind: 'block' });
    expect(await names(f, member(2, 'bob'))).toEqual(['bob']);
    expect(f.reads.sessions).toBe(1);
  });

  it('reads the registry again after a change without a delta', async () => {
    const f = fixture([session(1, 'alice')]);
    await names(f, member(1, 'alice'));
    f.silently(session(3, 'carol'));
    expect(await names(f, member(1, 'alice'))).toEqual(['alice']);
    f.sweep();
    expect(await names(f, member(1, 'alice'))).toEqual(['alice', 'carol']);
    expect(f.reads.sessions).toBe(2);
  });

  it("waits for a login's own arrival, and reads the registry when it does not come", async () => {
    const f = fixture([session(1, 'alice')]);
    await names(f, member(1, 'alice'));
    f.silently(session(4, 'dave')); // its delta is lost
    expect(await names(f, member(4, 'dave'))).toEqual(['alice', 'dave']);
    expect(f.reads.sessions).toBe(2);
  });
});

describe('BareRTC presence batches', () => {
  it('sends each member the batch in one write, minus lines queued before it arrived and lines about itself (those it gets at once)', () => {
    vi.useFakeTimers();
    try {
      const roster = createRoster({
        ...BASE_OPTIONS,
        whoWarmupMs: 60_000, // who lists are not what this test reads
        presenceBatchMs: 100,
        source: { sessions: async () => [], relationsAmong: async () => [], relationsOf: async () => [] },
      });
      const writes = new Map<string, string[][]>();
      const recorder = (id: number, name: string): RosterMember => ({
        ...member(id, name),
        send: (text) => void writes.set(name, [...(writes.get(name) ?? []), [text]]),
        sendAll: (texts) => void writes.set(name, [...(writes.get(name) ?? []), [...texts]]),
      });
      const line = (username: string, kind: 'joined' | 'left') => JSON.stringify({ action: 'presence', username, message: kind === 'joined' ? 'has joined the room!' : 'has exited the room!' });
      const notice = (username: string, kind: 'joined' | 'left') => roster.onEvent({ type: 'roster.changed', protocol: 'barertc', notice: { username, kind } });

      roster.add(recorder(1, 'alice'));
      roster.add(recorder(3, 'carol'));
      notice('carol', 'joined');
      roster.add(recorder(4, 'dave'));
      notice('dave', 'joined');
      notice('eve', 'left');
      expect(writes.get('alice')).toBeUndefined(); // batched
      expect(writes.get('carol')).toEqual([[line('carol', 'joined')]]); // its own line at once

      vi.advanceTimersByTime(100);
      expect(writes.get('alice')).toEqual([[line('carol', 'joined'), line('dave', 'joined'), line('eve', 'left')]]);
      expect(writes.get('carol')).toEqual([[line('carol', 'joined')], [line('dave', 'joined'), line('eve', 'left')]]);
      expect(writes.get('dave')).toEqual([[line('dave', 'joined')], [line('eve', 'left')]]);
      roster.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
