import { afterAll, beforeAll, describe } from 'vitest';
import { killChildren } from '../helpers/cli-process.js';
import { startNode, type TestNode } from '../helpers/start-node.js';
import { MATRIX_SETTINGS, sqliteCliEnv, type Cluster } from './access-matrix/cluster.js';
import { CELLS, matrixTests } from './access-matrix/matrix.js';

// Issue 8's access matrix on one SQLite node: every door × every way of losing access. CLI
// commands are separate processes with no bus to the node, so their changes arrive through the
// node's poll of the access_events table (every 100 ms here).

describe('access matrix on one SQLite node', () => {
  let node: TestNode;
  let cluster: Cluster;
  beforeAll(async () => {
    node = await startNode({ settings: MATRIX_SETTINGS });
    cluster = { a: node, b: node, cliEnv: sqliteCliEnv(node) };
  });
  afterAll(async () => {
    await killChildren();
    await node?.stop();
  });

  matrixTests(() => cluster, CELLS);
});
