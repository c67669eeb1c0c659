import type { Command } from '../command.js';

/** `parley serve`: run a node until SIGINT/SIGTERM, then shut down gracefully. */
export const serveCommand: Command = {
  path: ['serve'],
  summary: 'Run the server (HTTP + WebSocket) until interrupted',
  details: 'Applies pending migrations first. Logs JSON lines to stdout; SIGINT or SIGTERM shut it down gracefully.',
  examples: ['parley serve', 'PARLEY_LISTEN=127.0.0.1:8080 parley serve --config /etc/parley/settings.toml'],
  async run(ctx) {
    const config = ctx.config();
    const { createServer } = await import('../../server.js');
    const server = await createServer(config);
    server.logger.info({ url: server.url }, `parley listening on ${server.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    server.logger.info('shutting down');
    await server.close();
    return 0;
  },
};
