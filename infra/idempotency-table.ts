import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { idempotencyTable } from "../aws/idempotency/table-layout";

export interface IdempotencyTableArgs {
  /** The table's physical name: `signon-<slug>-<stack>-idempotency`. */
  tableName: string;
}

/**
 * The records that make a repeated webhook delivery a duplicate (aws/idempotency/table-layout.ts).
 * On demand, since a club sends a few hundred invites a season; DynamoDB's TTL
 * removes each record once it expires, so the table holds at most a day's worth.
 */
export class IdempotencyTable extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;

  constructor(name: string, args: IdempotencyTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:dynamodb:IdempotencyTable", name, {}, opts);
    this.table = new aws.dynamodb.Table(
      name,
      {
        name: args.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: idempotencyTable.keyAttribute,
        attributes: [{ name: idempotencyTable.keyAttribute, type: "S" }],
        ttl: { attributeName: idempotencyTable.expiryAttribute, enabled: true },
      },
      { parent: this },
    );
    this.registerOutputs({ tableName: this.table.name, tableArn: this.table.arn });
  }
}
