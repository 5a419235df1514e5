import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { boardTable } from "../aws/board-store";

export interface BoardTableArgs {
  /** The table's physical name: `signon-<slug>-<stack>-board`. */
  tableName: string;
}

/**
 * The board's sessions, people and audit log (aws/board-store.ts): names and numbers of the club's
 * volunteers, and what they did. On demand; encrypted; point-in-time recovery; each session and
 * audit entry deleted by TTL (a session at its absolute expiry, an entry at the season's
 * retention date). Only the board's function may touch it.
 */
export class BoardTable extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;

  constructor(name: string, args: BoardTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:dynamodb:BoardTable", name, {}, opts);
    this.table = new aws.dynamodb.Table(
      name,
      {
        name: args.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: boardTable.partitionKey,
        rangeKey: boardTable.sortKey,
        attributes: [
          { name: boardTable.partitionKey, type: "S" },
          { name: boardTable.sortKey, type: "S" },
        ],
        ttl: { attributeName: boardTable.expiryAttribute, enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
      },
      { parent: this },
    );
    this.registerOutputs({ tableName: this.table.name, tableArn: this.table.arn });
  }
}
