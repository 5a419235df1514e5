import { normaliseReply } from "./yes-no";

/** What a parent can send at any point, as the whole message, in any case. */
export type GlobalCommand = "stop" | "start" | "help" | "restart" | "delete_my_data";

const commands: Record<string, GlobalCommand> = {
  stop: "stop",
  stopall: "stop",
  "stop all": "stop",
  unsubscribe: "stop",
  "stop messaging me": "stop",
  start: "start",
  unstop: "start",
  help: "help",
  restart: "restart",
  "start again": "restart",
  "start over": "restart",
  "delete my data": "delete_my_data",
  "delete my details": "delete_my_data",
  "erase my data": "delete_my_data",
};

/** The command a message is, ignoring case, spacing and punctuation ("Stop!"), or undefined. */
export function globalCommand(text: string): GlobalCommand | undefined {
  const normalised = normaliseReply(text);
  return Object.hasOwn(commands, normalised) ? commands[normalised] : undefined;
}
