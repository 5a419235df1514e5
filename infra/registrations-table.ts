import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { registrationsTable } from "../config/registrations-table";

export interface RegistrationsTableArgs {
  /** The table's physical name: `signon-<slug>-<stack>-registrations`. */
  tableName: string;
}

/**
 * One record per player per season, with the parent's answers: children's and health data.
 * On demand (a club has a few hundred players); encrypted with the account's DynamoDB KMS key;
 * point-in-time recovery for 35 days; deletion protection so neither `pulumi destroy` nor a
 * console click can drop a season's registrations; each record deleted by TTL at its retention
 * date (config/registrations-table.ts has the keys and why).
 */
export class RegistrationsTable extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;

  constructor(name: string, args: RegistrationsTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:dynamodb:RegistrationsTable", name, {}, opts);
    const { partitionKey, sortKey, retentionAttribute, byRegistrationId, bySeason } = registrationsTable;
    this.table = new aws.dynamodb.Table(
      name,
      {
        name: args.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: partitionKey,
        rangeKey: sortKey,
        attributes: [
          { name: partitionKey, type: "S" },
          { name: sortKey, type: "S" },
          { name: byRegistrationId.partitionKey, type: "S" },
          { name: bySeason.partitionKey, type: "S" },
          { name: bySeason.sortKey, type: "S" },
        ],
        globalSecondaryIndexes: [
          // Keys only: erasure finds the item here, then reads and deletes it by its own key.
          { name: byRegistrationId.indexName, hashKey: byRegistrationId.partitionKey, projectionType: "KEYS_ONLY" },
          { name: bySeason.indexName, hashKey: bySeason.partitionKey, rangeKey: bySeason.sortKey, projectionType: "ALL" },
        ],
        ttl: { attributeName: retentionAttribute, enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: true,
      },
      { parent: this },
    );
    this.registerOutputs({ tableName: this.table.name, tableArn: this.table.arn });
  }
}
