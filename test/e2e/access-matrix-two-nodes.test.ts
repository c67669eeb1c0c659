import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { killChildren } from '../helpers/cli-process.js';
import { createTempDatabase, REDIS_URL, serviceAvailable, uniquePrefix } from '../helpers/services.js';
import { startNode, type TestNode } from '../helpers/start-node.js';
import { MATRIX_SETTINGS, type Cluster } from './access-matrix/cluster.js';
import { cell, matrixTests } from './access-matrix/matrix.js';

// Issue 8's access matrix across two nodes on one PostgreSQL database and one Redis channel: the
// viewer and its control on node B, the change and the message through node A or a `parley`
// process on the same database and bus. A subset of the cells, covering every way and every door.

const pgAvailable = await serviceAvailable('postgres');
const redisAvailable = await serviceAvailable('redis');

/** At least one cell per way, and each door at least twice. */
const TWO_NODE_CELLS = [
  cell('trueconf-group', 'leave'),
  cell('chatcli-group', 'removal'),
  cell('connor-room', 'ban'),
  cell('trueconf-room', 'ban'),
  cell('chatcli-group', 'ban'),
  cell('chatcli-direct', 'server-ban'),
  cell('trueconf-room', 'disabled'),
  cell('connor-room', 'reset'),
  cell('chatcli-direct', 'change'),
  cell('chatcli-group', 'logout'),
  cell('trueconf-group', 'logout-all'),
];

describe.runIf(pgAvailable && redisAvailable)('access matrix across two nodes on PostgreSQL and Redis', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let a: TestNode | undefined;
  let b: TestNode | undefined;
  let cluster: Cluster;

  beforeAll(async () => {
    db = await createTempDatabase();
    const env = { PARLEY_DATABASE_URL: db.url, PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_CHANNEL: uniquePrefix() };
    // One settings text for both nodes and the CLI: the same secrets, as a cluster sharing settings.toml has.
    a = await startNode({ env, settings: MATRIX_SETTINGS });
    b = await startNode({ env, settings: MATRIX_SETTINGS });
    cluster = {
      a, b,
      cliEnv: { ...env, PARLEY_CONFIG: path.join(a.dir, 'settings.toml'), PARLEY_DATA_DIR: path.join(a.dir, 'cli-data'), PARLEY_LOG_LEVEL: 'warn' },
    };
  });
  afterAll(async () => {
    await killChildren();
    await b?.stop();
    await a?.stop();
    await db?.drop();
  });

  matrixTests(() => cluster, TWO_NODE_CELLS);
});
