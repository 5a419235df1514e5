import type { RegistrationRecord } from "../registration";
import type { Script } from "./script";
import { normaliseReply, parseYesNo } from "./yes-no";

/** Every answer, numbered as the parent picks one to change. */
export function summaryText(record: RegistrationRecord, script: Script): string {
  const lines = script.steps.map((step, index) => `${index + 1}. ${step.label}: ${step.shown(record)}`);
  return `Here's what I have for ${record.player_first_name}:\n${lines.join("\n")}\n\nReply YES to confirm, or the number of an answer to change it.`;
}

/** What a reply to the summary means: `edit` carries the step's index in the script. */
export type SummaryReply = { kind: "confirm" } | { kind: "edit"; index: number } | { kind: "which" } | { kind: "unusable" };

export function readSummaryReply(text: string, stepCount: number): SummaryReply {
  const yesNo = parseYesNo(text);
  if (yesNo === "yes") return { kind: "confirm" };
  if (yesNo === "no") return { kind: "which" };
  const number = /^(?:number |no )?(\d{1,2})$/.exec(normaliseReply(text));
  const chosen = number ? Number(number[1]) : 0;
  return chosen >= 1 && chosen <= stepCount ? { kind: "edit", index: chosen - 1 } : { kind: "unusable" };
}
