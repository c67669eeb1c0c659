import { connect, type TestSocket } from '../../helpers/ws-client.js';

// A BareRTC chat-page client for tests that mix BareRTC with other protocols or nodes
// (reference/barertc.md §4): frames parsed, awaited by predicate, so the who and presence frames
// that interleave with everything else never make a test depend on timing.

/**
 * `[barertc]` settings for test nodes, to append to a settings.toml: no restart warm-ups (BareRTC
 * holds back presence for 30 s and who for 15 s after start, §4.1, which would stall every login
 * sequence in a fresh node), and DM history on, so DMs are stored and readable on other doors (§8).
 */
export const BARERTC_TEST_SETTINGS = '\n[barertc.Timings]\nPresenceWarmupSeconds = 0\nWhoWarmupSeconds = 0\n\n[barertc.DirectMessageHistory]\nEnabled = true\n';

/** A server → client frame (§4.4). */
export type BareFrame = Record<string, unknown> & { action: string };

/** A predicate on a frame's action. */
export const action = (name: string) => (f: BareFrame): boolean => f.action === name;

export class BareClient {
  #read = 0;

  private constructor(readonly socket: TestSocket) {}

  /** Open `<wsUrl>/ws` without an Origin header, as BareBot does (§9). */
  static async open(wsUrl: string): Promise<BareClient> {
    return new BareClient(await connect(`${wsUrl}/ws`));
  }

  /**
   * Open a socket, log in as a guest wanting `name`, and read up to the own "has joined" presence
   * (the end of the login sequence, §4.5), so later frames are the caller's. Resolves with the
   * client and its `me` frame (whose `username` is the name the server settled on).
   */
  static async guest(wsUrl: string, name: string): Promise<{ client: BareClient; me: BareFrame }> {
    const client = await BareClient.open(wsUrl);
    client.send({ action: 'login', username: name });
    const me = await client.next(action('me'));
    await client.next((f) => f.action === 'presence' && f['username'] === me['username'] && f['message'] === 'has joined the room!');
    return { client, me };
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The next frame not read yet that satisfies `match`; frames passed over are consumed. */
  async next(match: (f: BareFrame) => boolean = () => true, timeoutMs = 5000): Promise<BareFrame> {
    for (;;) {
      const f = JSON.parse(await this.socket.frame(this.#read++, timeoutMs)) as BareFrame;
      if (match(f)) return f;
    }
  }

  /**
   * Read until each predicate has matched a frame, in whatever order they come (who lists and
   * batched presence lines are not ordered with each other); resolves with the matches in the
   * predicates' order.
   */
  async eachOf(matches: readonly ((f: BareFrame) => boolean)[], timeoutMs = 5000): Promise<BareFrame[]> {
    const found: (BareFrame | undefined)[] = matches.map(() => undefined);
    while (found.some((f) => f === undefined)) {
      const f = await this.next(() => true, timeoutMs);
      const i = matches.findIndex((m, j) => found[j] === undefined && m(f));
      if (i >= 0) found[i] = f;
    }
    return found as BareFrame[];
  }

  /** The next `who` list (after the read position) that satisfies `ok`. */
  async whoUntil(ok: (list: Record<string, unknown>[]) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
    for (;;) {
      const list = (await this.next(action('who'), timeoutMs))['whoList'] as Record<string, unknown>[];
      if (ok(list)) return list;
    }
  }

  /** Every frame received so far, read or not. */
  all(): BareFrame[] {
    return this.socket.received.map((t) => JSON.parse(t) as BareFrame);
  }

  /** Close and wait for the close handshake. */
  async close(): Promise<void> {
    this.socket.close();
    await this.socket.closed;
  }
}
