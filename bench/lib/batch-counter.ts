import { InsertQueryNode, ValuesNode, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';

/**
 * A Kysely plugin that only watches: it counts INSERT statements into `messages` and the rows
 * each carries, so a bench can report the group commit's mean batch size without touching src/.
 */
export class BatchCounter implements KyselyPlugin {
  statements = 0;
  rows = 0;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const { node } = args;
    if (InsertQueryNode.is(node) && node.into?.table.identifier.name === 'messages' && node.values && ValuesNode.is(node.values)) {
      this.statements += 1;
      this.rows += node.values.values.length;
    }
    return node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }

  /** Statements and rows since the previous call. */
  take(): { statements: number; rows: number } {
    const out = { statements: this.statements, rows: this.rows };
    this.statements = 0;
    this.rows = 0;
    return out;
  }
}
