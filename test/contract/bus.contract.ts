import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/core/ports/bus.js';
import type { DomainEvent } from '../../src/core/events.js';
import type { Message } from '../../src/core/model/message.js';
import { toConversationId, toMessageId, toUserId } from '../../src/core/model/ids.js';

/** Two nodes made by one factory call, and how to tear them down. */
export interface BusPair {
  readonly a: Bus;
  readonly b: Bus;
  readonly cleanup: () => Promise<void>;
}

/** What the contract passes to the factory. */
export interface BusPairOptions {
  /** Pass to both buses' `onError`. */
  readonly onError: (error: unknown) => void;
}

/** Whether two buses from one factory can reach each other; when not, why the cases are skipped. */
export type CrossNode = { readonly crossNode: true } | { readonly crossNode: false; readonly reason: string };

/** A full `message.created` event; `n` becomes the message id and text, so events are told apart. */
export function sampleEvent(n: number): DomainEvent {
  const message: Message = {
    id: toMessageId(n), conversationId: toConversationId(7), authorId: toUserId(3), text: `hello ${n}`,
    format: 'markdown', replyToId: n > 1 ? toMessageId(n - 1) : null, clientId: `c-${n}`,
    createdAt: 1_700_000_000_000 + n, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null,
  };
  return {
    type: 'message.created',
    audience: { conversationId: toConversationId(7), kind: 'group', memberIds: [toUserId(3), toUserId(4)] },
    message,
    author: { id: toUserId(3), username: 'ada', displayName: 'Ada Lovelace' },
  };
}

/** A distinct event that marks "everything published before me has arrived" (per-node ordering). */
const sentinel = (tag: number): DomainEvent => ({ type: 'presence.changed', user: { id: toUserId(900_000 + tag), username: 's', displayName: 's' }, online: true });
const isSentinel = (e: DomainEvent, tag: number): boolean => e.type === 'presence.changed' && e.user.id === 900_000 + tag;

/** Collects a bus's events; `until` resolves once a matching event has arrived. */
function record(bus: Bus): { events: DomainEvent[]; until: (match: (e: DomainEvent) => boolean) => Promise<void>; stop: () => void } {
  const events: DomainEvent[] = [];
  const waiters: Array<{ match: (e: DomainEvent) => boolean; resolve: () => void }> = [];
  const stop = bus.subscribe((e) => {
    events.push(e);
    for (const w of waiters.filter((x) => x.match(e))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const until = (match: (e: DomainEvent) => boolean): Promise<void> =>
    events.some(match) ? Promise.resolve() : new Promise((resolve) => waiters.push({ match, resolve }));
  return { events, until, stop };
}

/**
 * The bus contract (src/core/ports/bus.ts), run against each implementation. Each `makeBuses` call
 * returns two nodes on one fresh channel that no other call's nodes can hear; cases that need the
 * two to share a transport run only when `cross.crossNode` is true.
 */
export function describeBusContract(name: string, makeBuses: (options: BusPairOptions) => Promise<BusPair>, cross: CrossNode): void {
  describe(`Bus contract: ${name}`, () => {
    let cleanups: Array<() => Promise<void>> = [];
    let errors: unknown[] = [];
    const make = async (): Promise<BusPair> => {
      const pair = await makeBuses({ onError: (e) => errors.push(e) });
      cleanups.push(pair.cleanup);
      return pair;
    };
    afterEach(async () => {
      await Promise.all(cleanups.map((c) => c()));
      cleanups = [];
      errors = [];
    });

    /**
     * Resolves once `receiver` has seen a sentinel published after everything before it. Across
     * nodes it is sent from b: a's own echo, if any, would reach a before b's later event does.
     */
    const settle = async (pair: BusPair, receiver: ReturnType<typeof record>, tag: number): Promise<void> => {
      const arrived = receiver.until((e) => isSentinel(e, tag));
      await (cross.crossNode ? pair.b : pair.a).publish(sentinel(tag));
      await arrived;
    };

    it('delivers a node its own event exactly once, with no echo duplicate', async () => {
      const pair = await make();
      const seen = record(pair.a);
      await pair.a.publish(sampleEvent(1));
      await settle(pair, seen, 1);
      expect(seen.events.filter((e) => e.type === 'message.created')).toEqual([sampleEvent(1)]);
    });

    it('delivers events to handlers in publish order', async () => {
      const pair = await make();
      const seen = record(pair.a);
      const published = Array.from({ length: 500 }, (_, i) => sampleEvent(i + 1));
      const last = seen.until((e) => e.type === 'message.created' && e.message.id === 500);
      await Promise.all(published.map((e) => pair.a.publish(e)));
      await last;
      expect(seen.events).toEqual(published);
    });

    it('does not re-enter handlers when a handler publishes', async () => {
      const pair = await make();
      const order: string[] = [];
      pair.a.subscribe((e) => {
        order.push(`first saw ${e.type}`);
        if (e.type === 'message.created') void pair.a.publish(sentinel(2));
      });
      pair.a.subscribe((e) => order.push(`second saw ${e.type}`));
      const seen = record(pair.a);
      await pair.a.publish(sampleEvent(1));
      await seen.until((e) => isSentinel(e, 2));
      // Re-entrant delivery would show the sentinel to "second" before message.created.
      expect(order).toEqual([
        'first saw message.created', 'second saw message.created',
        'first saw presence.changed', 'second saw presence.changed',
      ]);
    });

    it('stops delivering to a handler once it unsubscribes', async () => {
      const pair = await make();
      const gone = record(pair.a);
      const stays = record(pair.a);
      await pair.a.publish(sampleEvent(1));
      await gone.until((e) => e.type === 'message.created');
      gone.stop();
      await pair.a.publish(sampleEvent(2));
      await settle(pair, stays, 3);
      expect(gone.events).toEqual([sampleEvent(1)]);
      expect(stays.events.filter((e) => e.type === 'message.created')).toEqual([sampleEvent(1), sampleEvent(2)]);
    });

    it('keeps delivering to other handlers when one throws, and reports the error', async () => {
      const pair = await make();
      const boom = new Error('handler failed');
      const before = record(pair.a);
      pair.a.subscribe(() => { throw boom; });
      const after = record(pair.a);
      await pair.a.publish(sampleEvent(1));
      await pair.a.publish(sampleEvent(2));
      await after.until((e) => e.type === 'message.created' && e.message.id === 2);
      expect(before.events).toEqual([sampleEvent(1), sampleEvent(2)]);
      expect(after.events).toEqual([sampleEvent(1), sampleEvent(2)]);
      expect(errors).toEqual([boom, boom]);
    });

    it('rejects publish after close, and close is idempotent', async () => {
      const pair = await make();
      await pair.a.close();
      await expect(pair.a.close()).resolves.toBeUndefined();
      await expect(Promise.all([pair.b.close(), pair.b.close()])).resolves.toBeDefined();
      await expect(pair.a.publish(sampleEvent(1))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });

    const crossTitle = cross.crossNode ? 'across nodes' : `across nodes (skipped: ${cross.reason})`;
    describe.skipIf(!cross.crossNode)(crossTitle, () => {
      it('delivers an event published on A to B once, deep-equal', async () => {
        const pair = await make();
        const seen = record(pair.b);
        const event: DomainEvent = { type: 'account.revoked', userId: toUserId(5), generation: 3, reason: 'disabled' };
        await pair.a.publish(event);
        // Sent from A after the event, so B has all it will ever get of the event once this lands.
        const done = seen.until((e) => isSentinel(e, 4));
        await pair.a.publish(sentinel(4));
        await done;
        expect(seen.events).toEqual([event, sentinel(4)]);
      });

      it('keeps publish order from one node to another', async () => {
        const pair = await make();
        const seen = record(pair.b);
        const published = Array.from({ length: 500 }, (_, i) => sampleEvent(i + 1));
        const last = seen.until((e) => e.type === 'message.created' && e.message.id === 500);
        await Promise.all(published.map((e) => pair.a.publish(e)));
        await last;
        expect(seen.events).toEqual(published);
      });

      it('keeps nodes on different channels apart', async () => {
        const one = await make();
        const two = await make();
        const atOneB = record(one.b);
        const atTwoB = record(two.b);
        await one.a.publish(sampleEvent(1));
        // Each publish resolves once the transport has fanned it out, so a sentinel that reaches a
        // node through its transport arrives after anything published earlier would have.
        await two.a.publish(sentinel(5));
        await atTwoB.until((e) => isSentinel(e, 5));
        await one.a.publish(sentinel(6));
        await atOneB.until((e) => isSentinel(e, 6));
        expect(atTwoB.events).toEqual([sentinel(5)]);
        expect(atOneB.events).toEqual([sampleEvent(1), sentinel(6)]);
      });
    });
  });
}
