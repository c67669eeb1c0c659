import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../../helpers/start-node.js';
import { connect } from '../../helpers/ws-client.js';

// reference/barertc.md §5: POST /poll, the long-polling transport, against a node on port 0.
let node: TestNode;
beforeAll(async () => {
  node = await startNode();
});
afterAll(() => node.stop());

type Frame = Record<string, unknown> & { action: string };
interface PollAnswer { username: string; session_id: string; messages: Frame[] }

async function poll(body: unknown): Promise<{ status: number; body: PollAnswer }> {
  const res = await fetch(`${node.url}/poll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as PollAnswer };
}

describe('POST /poll', () => {
  it('logs in with the usual sequence, then drains what arrived since the last poll', async () => {
    const login = await poll({ username: '', session_id: '', msg: { action: 'login', username: 'poller' } });
    expect(login.status).toBe(200);
    expect(login.body.username).toBe('poller');
    expect(login.body.session_id).toMatch(/^[0-9a-f-]{36}$/);
    // §4.5: me, who, echo, presence, then one ChatServer error per welcome message of BareRTC's default channels.
    expect(login.body.messages.map((m) => m.action)).toEqual(['me', 'who', 'echo', 'presence', 'error', 'error', 'error', 'error']);
    expect(login.body.messages.slice(4).map((m) => (m as Record<string, unknown>)['channel'])).toEqual(['lobby', 'lobby', 'offtopic', 'vip']);
    const { session_id } = login.body;

    const ws = await connect(`${node.wsUrl}/ws`);
    ws.send(JSON.stringify({ action: 'login', username: 'socketeer' }));
    // The login sequence ends with the four welcome messages of the default channels (frames 4-7).
    await ws.frame(7);
    ws.send(JSON.stringify({ action: 'message', channel: 'lobby', message: 'to the poller' }));
    await ws.frame(8); // its own echo: the line is delivered
    const later = await poll({ username: 'poller', session_id, msg: { action: 'ping' } });
    expect(later.status).toBe(200);
    expect(later.body.messages).toContainEqual(expect.objectContaining({ action: 'message', channel: 'lobby', username: 'socketeer' }));
    expect((await poll({ username: 'poller', session_id, msg: { action: 'ping' } })).body.messages.filter((m) => m.action === 'message')).toEqual([]);

    // A poll can send too: the socket user hears it.
    await poll({ username: 'poller', session_id, msg: { action: 'message', channel: 'lobby', message: 'from the poller' } });
    for (let i = 9; ; i++) {
      const f = JSON.parse(await ws.frame(i)) as Frame;
      if (f.action === 'message') {
        expect(f).toMatchObject({ username: 'poller', channel: 'lobby' });
        break;
      }
    }
    ws.close();
  });

  it('answers 400 for a first poll that is not a login, and an expired session with error + disconnect', async () => {
    const first = await poll({ username: 'x', session_id: '', msg: { action: 'ping' } });
    expect(first.status).toBe(400);
    expect(first.body.messages).toEqual([{ action: 'error', username: 'ChatServer', message: 'Not logged in.' }]);
    const gone = await poll({ username: 'x', session_id: '00000000-0000-4000-8000-000000000000', msg: { action: 'ping' } });
    expect(gone.status).toBe(400);
    expect(gone.body.messages).toEqual([
      { action: 'error', username: 'ChatServer', message: 'Your authentication has expired, please log back into the chat again.' },
      { action: 'disconnect' },
    ]);
  });
});
