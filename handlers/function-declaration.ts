/**
 * What a Lambda function's declaration says (handlers/functions.ts holds one per function): its
 * route or schedule, API key, limits, settings, npm imports, table access and handler factory.
 * The program (infra/), the local gateway (local/) and each handler's factory read these types.
 */
import type { CursorKeyReader, PaymentSecretsReader, SettingsReader } from "../aws/settings-reader";
import type { HandlerName } from "../config/names";
import type { RegistrationsAccess } from "../config/registrations-table";
import type { SettingKey } from "../config/settings";
import type { ProxyHandler, RemainingTime } from "../plumbing/api-gateway-event";
import type { LineWriter } from "../plumbing/log";

/**
 * The API key a route needs: the invite key (the secretary's spreadsheet), the export key (the
 * secretary reading and erasing registrations), or none (Twilio signs its requests instead).
 * API Gateway lets either key through to any keyed route, so the export's handler checks which came.
 */
export type ApiKeyKind = "invite" | "export" | "none";

/**
 * A method and path API Gateway routes to a function; `{name}` in the path is a path parameter,
 * and a last `{name+}` takes the rest of the path (the board's pages and API); `ANY` is every method.
 */
export interface Route {
  method: "GET" | "POST" | "DELETE" | "ANY";
  path: `/${string}`;
}

/** What a handler may be given instead of its defaults: how `npm start` and the tests wire it. */
export interface HandlerWiring {
  /** Where it finds its settings, its table and Twilio; the Lambda's own environment otherwise. */
  env?: NodeJS.ProcessEnv;
  readSettings?: SettingsReader<SettingKey>;
  /** The export's cursor key (a function declaring usesCursorKey), from its secret otherwise. */
  readCursorKey?: CursorKeyReader;
  /** The payment provider's secrets (a function declaring usesPaymentSecret), from their secret otherwise. */
  readPaymentSecrets?: PaymentSecretsReader;
  writeLog?: LineWriter;
}

/** What a scheduled function's handler is: EventBridge's event in, what the run did out. */
export type ScheduledHandler = (event: never, context?: RemainingTime) => Promise<unknown>;

/**
 * A function EventBridge runs on a schedule, with no route (config/names.ts lists it in
 * scheduledHandlerNames). The program declares its rule, target and permission (infra/scheduled-run.ts).
 */
export interface ScheduledFunctionDeclaration<K extends SettingKey = SettingKey, Handler extends ScheduledHandler = ScheduledHandler>
  extends Omit<FunctionDeclaration<K>, "route" | "moreRoutes" | "apiKey" | "createHandler"> {
  /** EventBridge's schedule expression: `rate(1 hour)`. */
  schedule: `rate(${string})` | `cron(${string})`;
  /** Runs once per container, given this declaration, and returns the handler. */
  createHandler(declaration: ScheduledFunctionDeclaration<K>, wiring?: HandlerWiring): Handler;
}

export interface FunctionDeclaration<K extends SettingKey = SettingKey> {
  /** Names the Lambda (`signon-<slug>-<stack>-<name>`), its role, log group and route resources. */
  name: HandlerName;
  route: Route;
  /**
   * Routes beyond the first, each named for its API Gateway resources (config/names.ts lists
   * the names, for AWS's length limits). A parent path routed too is declared before its children.
   */
  moreRoutes?: readonly (Route & { name: string })[];
  apiKey: ApiKeyKind;
  timeoutSeconds: number;
  /**
   * Lambda's CPU share grows with memory, and a cold first answer is mostly CPU work, so this is
   * sized by the latency `npm run bench -- --memory` measures (bench/README.md), not by
   * resident memory. tests/program/deployed-code.test.ts keeps it equal to the bench's choice.
   */
  memorySizeMb: number;
  /** The settings its code reads (its handler's `...SettingKeys`): the only SSM parameters its role may read. */
  settingKeys: readonly K[];
  /** The npm modules its code requires, as its imports name them: its package holds these and what they load, nothing else. */
  npmImports: readonly string[];
  /**
   * Starts every idempotency record key it writes, for a function that keeps such records (the
   * webhook, for messages from numbers with no invite). Its role may touch only keys with its
   * own (`dynamodb:LeadingKeys`); a function without one is given no access to that table at all.
   */
  idempotencyKeyPrefix?: string;
  /** What it does to the registrations table (config/registrations-table.ts), if anything: its role may do that and no more. */
  registrations?: RegistrationsAccess;
  /** Whether it erases registrations (or reduces them to tombstones): only then may its role write the erasure log, and only PutItem. */
  writesErasureLog?: boolean;
  /** Whether its code uses the Twilio credentials (to send, or to check a signature): only then may its role read the secret. */
  usesTwilioSecret: boolean;
  /** Whether its code keeps the board's sessions, people and audit log (aws/board-store.ts): only then may its role touch the board's table. */
  usesBoardTable?: true;
  /** Whether its code seals or opens the export's cursors: only then may its role read the cursor key's secret. */
  usesCursorKey?: true;
  /**
   * Whether its code calls the payment provider or checks its webhook's signature: only then, and
   * only in a stack with signon:payments, may its role read the provider's secret.
   */
  usesPaymentSecret?: true;
  /** Runs once per container, given this declaration, and returns the handler. */
  createHandler(declaration: FunctionDeclaration<K>, wiring?: HandlerWiring): ProxyHandler;
}

/** A function's routes, its first one first. */
export const routesOf = (declaration: Pick<FunctionDeclaration, "route" | "moreRoutes">): readonly Route[] => [
  declaration.route,
  ...(declaration.moreRoutes ?? []),
];

/**
 * The request bodies API Gateway passes to a function base64-encoded rather than as UTF-8 text
 * (the REST API's binaryMediaTypes): a squad sheet's CSV may be Windows-1252, which text would
 * mangle. Every other body (JSON, Twilio's forms) arrives as text.
 */
export const binaryMediaTypes = ["text/csv"] as const;

export const isBinaryMediaType = (contentType: string | undefined) =>
  binaryMediaTypes.some((type) => contentType?.split(";")[0].trim().toLowerCase() === type);
