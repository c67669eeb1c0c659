import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/wait.js';
import { connect, type TestSocket } from '../../test/helpers/ws-client.js';
import { createLocalBus } from '../bus/local-bus.js';
import type { DomainEvent } from '../core/events.js';
import { toConversationId, toMessageId, toUserId } from '../core/model/ids.js';
import { createHub, type Hub } from '../hub/hub.js';
import { socketRoute, type SocketRoute } from '../protocols/protocol.js';
import { createGateway, type Gateway } from './gateway.js';

// The gateway with a minimal protocol on a real listener and real ws clients: who receives an
// event, and how often it is encoded.
const bus = createLocalBus();
let server: Server;
let gateway: Gateway;
let hub: Hub;
let unsubscribe: () => void;
let sockets: TestSocket[] = [];

afterEach(async () => {
  for (const s of sockets) s.close();
  sockets = [];
  await gateway.close();
  unsubscribe();
  hub.stop();
  await new Promise((r) => server.close(r));
});

/** Start a gateway whose one route subscribes `/room/<id>` sockets and `/user/<id>` watchers. */
async function start(): Promise<{ url: string; encoded: DomainEvent[] }> {
  const encoded: DomainEvent[] = [];
  const route: SocketRoute<undefined> = {
    protocol: 'connor',
    match: (p) => /^\/(room|user)\/(\d+)$/.exec(p)?.slice(1).reduce((acc, v, i) => ({ ...acc, [i ? 'id' : 'kind']: v }), {} as Record<string, string>) ?? null,
    maxPayload: 64,
    slowConsumerCloseCode: 1013,
    accept: async (req) => ({
      accept: {
        state: undefined,
        open: (conn) => {
          const id = Number(req.params['id']);
          if (req.params['kind'] === 'room') conn.subscribe(toConversationId(id));
          else {
            conn.identify({ userId: toUserId(id), generation: 0, familyId: null });
            conn.watchUser();
          }
          return { onMessage: () => undefined };
        },
      },
    }),
    encode: (event) => {
      encoded.push(event);
      return event.type === 'message.created' ? event.message.text : null;
    },
  };
  server = createServer();
  const logger = pino({ level: 'silent' });
  hub = createHub({ logger, maxBufferedBytes: 1 << 20, authTimeoutMs: 30_000 });
  unsubscribe = bus.subscribe((event) => hub.deliver(event));
  gateway = createGateway({ hub, routes: [socketRoute(route)], logger, pingIntervalMs: 60_000 });
  gateway.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, encoded };
}

const message = (conversationId: number, text: string, kind: 'room' | 'direct', memberIds: number[]): DomainEvent => ({
  type: 'message.created',
  audience: { conversationId: toConversationId(conversationId), kind, memberIds: memberIds.map(toUserId) },
  message: { id: toMessageId(1), conversationId: toConversationId(conversationId), authorId: toUserId(1), text, format: 'plain', replyToId: null, clientId: null, createdAt: 0, editedAt: null, deletedAt: null, attachment: null, forwardOfId: null, survey: null },
  author: { id: toUserId(1), username: 'a', displayName: 'a' },
});

describe('gateway fan-out', () => {
  it('encodes an event once for all of a protocol\'s recipients and delivers the same text to each', async () => {
    const { url, encoded } = await start();
    sockets = await Promise.all(Array.from({ length: 20 }, () => connect(`${url}/room/7`)));
    const outsider = await connect(`${url}/room/8`);
    sockets.push(outsider);
    await bus.publish(message(7, 'to room 7', 'room', []));
    const got = await Promise.all(sockets.slice(0, 20).map((s) => s.frame(0)));
    expect(new Set(got)).toEqual(new Set(['to room 7']));
    expect(encoded).toHaveLength(1);
    await bus.publish(message(8, 'to room 8', 'room', []));
    expect(await outsider.frame(0)).toBe('to room 8'); // room 7's message never reached it
  });

  it('delivers a direct conversation\'s events to its members\' watching sockets only', async () => {
    const { url } = await start();
    const [alice, bob, carol] = await Promise.all([connect(`${url}/user/1`), connect(`${url}/user/2`), connect(`${url}/user/3`)]);
    sockets = [alice, bob, carol];
    await bus.publish(message(50, 'dm', 'direct', [1, 2]));
    expect(await alice.frame(0)).toBe('dm');
    expect(await bob.frame(0)).toBe('dm');
    await bus.publish(message(51, 'for carol', 'direct', [3, 2]));
    expect(await carol.frame(0)).toBe('for carol'); // the first event never reached carol
  });

  it('stops delivering to a socket once it has closed', async () => {
    const { url, encoded } = await start();
    const s = await connect(`${url}/room/9`);
    s.close();
    await eventually(() => expect(gateway.size).toBe(0)); // the server has seen the close too
    await bus.publish(message(9, 'nobody', 'room', []));
    expect(encoded).toHaveLength(0); // no recipients: nothing encoded
  });
});
