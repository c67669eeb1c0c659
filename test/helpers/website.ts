import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A website on 127.0.0.1, port 0, that receives JSON webhook POSTs (BareRTC's `report`, `profile`). */
export interface Website {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Start it: each call's parsed JSON body goes to `answer`, which must end the response. */
export async function startWebsite(answer: (call: Record<string, unknown>, res: ServerResponse) => void): Promise<Website> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => answer(JSON.parse(body) as Record<string, unknown>, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
