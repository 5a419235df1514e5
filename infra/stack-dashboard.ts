import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type DashboardSources, dashboardBody, dashboardUrl } from "./dashboard-body";

export interface StackDashboardArgs extends Omit<DashboardSources, "apiName" | "stageName"> {
  /** The dashboard's name: `signon-<slug>-<stack>`. */
  dashboardName: string;
  apiName: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
}

/** One CloudWatch dashboard per stack (infra/dashboard-body.ts lays it out), and where it opens in the console. */
export class StackDashboard extends pulumi.ComponentResource {
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: StackDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:ops:StackDashboard", name, {}, opts);
    const { dashboardName, apiName, stageName, ...sources } = args;
    this.dashboard = new aws.cloudwatch.Dashboard(
      name,
      {
        dashboardName,
        dashboardBody: pulumi
          .all([apiName, stageName])
          .apply(([api, stage]) => JSON.stringify(dashboardBody({ ...sources, apiName: api, stageName: stage }))),
      },
      { parent: this },
    );
    this.url = pulumi.output(dashboardUrl(args.region, dashboardName));
    this.registerOutputs({ url: this.url });
  }
}
