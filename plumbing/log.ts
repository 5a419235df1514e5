/**
 * Structured log lines. The fields are a closed set on purpose: there is no slot for a name,
 * a message body or a full phone number, so none can reach the logs by accident.
 */
export interface LogFields {
  request_id?: string;
  route?: string;
  status?: number;
  latency_ms?: number;
  /** Always passed through maskPhone. */
  to?: string;
  from?: string;
  /** Twilio's id of a message the club sent. */
  message_sid?: string;
  /** A parent's message as the webhook keeps it: a digest of its MessageSid, nothing Twilio could look up. */
  message_mark?: string;
  /** A registration's random id: names no one. */
  registration_id?: string;
  twilio_code?: number;
  twilio_status?: number;
  /** The payment provider's HTTP status, when it answered with a refusal or a fault. */
  provider_status?: number;
  attempts?: number;
  /** An AWS API call as `service.Action` (`dynamodb.PutItem`), never its input. */
  aws_call?: string;
  /** The wait before a retry. */
  retry_in_ms?: number;
  /** An error's name or code, never its message (which may quote the input). */
  error?: string;
  /** Names of settings or fields, never their values. */
  detail?: string;
  /** How many of what the event names: the reminders a run sent. */
  count?: number;
}

export type LogLevel = "info" | "warn" | "error";
export type Log = (level: LogLevel, event: string, fields?: LogFields) => void;
export type LineWriter = (line: string) => void;

export function createLog(base: LogFields, write: LineWriter = (line) => console.log(line)): Log {
  return (level, event, fields = {}) => write(JSON.stringify({ level, event, ...base, ...fields }));
}

/** The error's name, and its code when that says more (ECONNREFUSED): what a volunteer can act on, never its message. */
export function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const name = error instanceof Error ? error.name : typeof error;
  return typeof code === "string" && code !== name ? `${name}: ${code}` : name;
}

/** `+447700900123` → `+44•••••••123`: enough to tell numbers apart, not enough to call one. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^whatsapp:/, "").replace(/\D/g, "");
  if (digits.length < 6) return "•••";
  return `+${digits.slice(0, 2)}${"•".repeat(digits.length - 5)}${digits.slice(-3)}`;
}
