/**
 * What the board's handler and its sign-in routes share: the settings they read and what they
 * are given. Apart from both, so neither imports the other back.
 */
import type { BoardStore } from "../../aws/board-store";
import type { SettingsReader } from "../../aws/settings-reader";
import type { SettingKey } from "../../config/settings";
import type { VerifyClient } from "../../twilio/verify-client";
import { type BoardDataSettingKey, boardDataSettingKeys } from "./data-routes";

/** The settings sign-in, sessions and audit read: its role may read these (and the data routes') and no others. */
export const boardAuthSettingKeys = [
  "verifyServiceSid",
  "boardSecretaries",
  // Its origin is the board's: what a change's Origin header must be.
  "webhookUrl",
  "clubName",
  // The audit log is kept as long as the season's registrations (domain/retention.ts).
  "season",
  "retentionYears",
] as const satisfies readonly SettingKey[];
export type BoardAuthSettingKey = (typeof boardAuthSettingKeys)[number];
export type BoardSettingKey = BoardAuthSettingKey | BoardDataSettingKey;
// An array, not a Set: Pulumi serializes a Set into the code package as an empty object.
export const boardSettingKeys: readonly BoardSettingKey[] = [...boardAuthSettingKeys, ...boardDataSettingKeys].filter(
  (key, index, keys) => keys.indexOf(key) === index,
);

export interface BoardDependencies {
  readSettings: SettingsReader<BoardSettingKey>;
  store: BoardStore;
  verify: VerifyClient;
  clock: () => Date;
}
