/**
 * A stand-in for the data engineer's module of the same name (registrations, invites, the squad
 * sheet, resend, erase), with its agreed exports, so the board's handler can take its routes until
 * that branch is merged over this one.
 */
import type { SettingsReader } from "../../aws/settings-reader";
import type { SettingKey } from "../../config/settings";
import type { AwsCallScope } from "../../plumbing/aws-call-scope";
import type { BoardApiRoute } from "./board-api-route";

export const boardDataSettingKeys = [] as const satisfies readonly SettingKey[];
export type BoardDataSettingKey = (typeof boardDataSettingKeys)[number];
export const boardDataNpmImports: readonly string[] = [];

export interface BoardDataDependencies {
  env: NodeJS.ProcessEnv;
  awsCalls: AwsCallScope;
  readSettings: SettingsReader<BoardDataSettingKey>;
  clock?: () => Date;
}

export function createBoardDataRoutes(_declaration: { timeoutSeconds: number }, _dependencies: BoardDataDependencies): BoardApiRoute[] {
  return [];
}
