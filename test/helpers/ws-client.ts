import WebSocket from 'ws';

/** A real ws client that queues what it receives, so tests await frames instead of sleeping. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly received: string[] = [];
  #waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(url: string, protocols?: string | string[]) {
    this.ws = new WebSocket(url, protocols);
    this.ws.on('message', (data) => {
      this.received.push(data.toString());
      for (const w of this.#waiters.splice(0)) w();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })));
      });
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Resolves with the n-th frame (0-based) once it has arrived. */
  async frame(n: number, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length <= n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for frame ${n}; have ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    return this.received[n]!;
  }

  /** The n-th frame parsed as JSON. */
  async json<T = unknown>(n: number): Promise<T> {
    return JSON.parse(await this.frame(n)) as T;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.close();
  }
}

/** Open a socket and wait until the upgrade has completed. */
export async function connect(url: string, protocols?: string | string[]): Promise<TestSocket> {
  const s = new TestSocket(url, protocols);
  await s.opened;
  return s;
}
