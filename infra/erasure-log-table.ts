import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { erasureLog } from "../config/erasure-log";

export interface ErasureLogTableArgs {
  /** The table's physical name: `signon-<slug>-<stack>-erasures`. */
  tableName: string;
}

/**
 * Which registrations were erased, when and why (config/erasure-log.ts): no personal data, and
 * apart from the registrations table so that restoring that table does not undo it. Point-in-time
 * recovery and deletion protection, as for the registrations; each entry deleted by TTL once no
 * backup could still hold its registration.
 */
export class ErasureLogTable extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;

  constructor(name: string, args: ErasureLogTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:dynamodb:ErasureLogTable", name, {}, opts);
    this.table = new aws.dynamodb.Table(
      name,
      {
        name: args.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: erasureLog.partitionKey,
        attributes: [{ name: erasureLog.partitionKey, type: "S" }],
        ttl: { attributeName: erasureLog.retentionAttribute, enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: true,
      },
      { parent: this },
    );
    this.registerOutputs({ tableName: this.table.name, tableArn: this.table.arn });
  }
}
