import Fastify from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type { Core } from '../../core/core.js';
import { pino } from 'pino';
import { barertcApiRoutes } from './api.js';
import type { BarertcApiOptions } from './api-common.js';
import { createWebhooks } from './webhooks.js';

// The AdminAPIKey check goes through the injected constant-time compare (reference §2.1 "our choice").
describe('BareRTC API key check', () => {
  it('compares the body\'s APIKey with the AdminAPIKey through the constant-time equal, and refuses on false', async () => {
    const logger = pino({ level: 'silent' });
    const compared: [string, string][] = [];
    let shutdowns = 0;
    const options: BarertcApiOptions = {
      adminApiKey: 'the-admin-key-0000',
      settings: () => ({ corsHosts: [], jwtEnabled: false, dmHistoryEnabled: false }),
      signJwt: async () => 'jwt',
      verifyJwt: async () => {
        throw new Error('off');
      },
      webhooks: createWebhooks({ settings: () => [], adminApiKey: '', logger }),
      render: (t) => t,
      equal: (a, b) => {
        compared.push([a, b]);
        return a === b;
      },
      shutdown: () => void shutdowns++,
    };
    // Only presence.broadcast is reached by /api/shutdown.
    const core = { presence: { broadcast: async () => undefined } } as unknown as Core;
    const app = Fastify();
    await app.register(barertcApiRoutes({ core, logger, options }));
    const call = (APIKey: string) => app.inject({ method: 'POST', url: '/api/shutdown', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ APIKey }) });

    const refused = await call('the-admin-key-0001');
    expect([refused.statusCode, refused.json()]).toEqual([401, { OK: false, Error: 'Authentication denied.' }]);
    expect(compared).toEqual([['the-admin-key-0001', 'the-admin-key-0000']]);
    const accepted = await call('the-admin-key-0000');
    expect([accepted.statusCode, accepted.json()]).toEqual([200, { OK: true }]);
    // The shutdown runs after the answer and the broadcast.
    await vi.waitFor(() => expect(shutdowns).toBe(1));
    await app.close();
  });
});
