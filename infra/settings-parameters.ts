import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type SettingKey, settingParameterName } from "../config/settings";

export interface SettingsParametersArgs {
  /** `/signon/<slug>/<stack>` */
  parameterPath: string;
  values: Record<SettingKey, pulumi.Input<string>>;
}

/** The non-secret settings the handlers read at run time, one SSM parameter each. */
export class SettingsParameters extends pulumi.ComponentResource {
  readonly parameters: Record<SettingKey, aws.ssm.Parameter>;

  constructor(name: string, args: SettingsParametersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:settings:SettingsParameters", name, {}, opts);
    const entries = (Object.keys(args.values) as SettingKey[]).map((key) => {
      const parameterName = settingParameterName(args.parameterPath, key);
      const parameter = new aws.ssm.Parameter(
        `${name}-${key}`,
        { name: parameterName, type: aws.ssm.ParameterType.String, value: args.values[key], description: `signon setting ${key}` },
        { parent: this },
      );
      return [key, parameter] as const;
    });
    this.parameters = Object.fromEntries(entries) as Record<SettingKey, aws.ssm.Parameter>;
    this.registerOutputs({ parameterNames: entries.map(([, parameter]) => parameter.name) });
  }
}
