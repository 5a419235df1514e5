/**
 * A stack taking payments for the payments function's tests: Parameter Store with GoCardless as
 * the provider and the payment secret, the GoCardless stand-in, registrations submitted with a
 * paid-for link as the submission leaves them (their billing request's reference included), and
 * GoCardless's webhook requests, signed as GoCardless signs them.
 */
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { Event } from "gocardless-nodejs";
import { afterAll, beforeAll } from "vitest";
import { createRegistrationStore, createRegistrationsTableCall } from "../aws/registration-store";
import type { ParentContact, StoredRegistration } from "../aws/stored-registration";
import { paymentReference } from "../config/registrations-table";
import { noPayment, type RecordedPayment } from "../domain/payments";
import { createGoCardlessClient } from "../gocardless/gocardless-client";
import { goCardlessSignature } from "../gocardless/webhook-signature";
import { proxyEvent } from "../local/gateway/proxy-event";
import { type GoCardlessStandIn, startGoCardlessStandIn } from "../local/stand-ins/gocardless/stand-in";
import { clubSettings, cursorKeySecretName, parameterPath, settingsParameters, testCredentials, twilioSecretName } from "./fixtures";
import type { SsmContents } from "./local-services";
import { recordSensitive } from "./log-capture";
import { registrationRecord } from "./registration-records";

export const paymentSecretName = "signon-urmston-test-payments-0a1b2c3";
export const goCardlessSecrets = { accessToken: "sandbox_0123456789abcdefghijKLMNOP-_xyz", webhookSecret: "whsec-0123456789abcdefghij" };
export const otherWebhookSecret = "whsec-not-this-stacks-secret-0123";
recordSensitive("auth token", [goCardlessSecrets.accessToken, goCardlessSecrets.webhookSecret, otherWebhookSecret]);

/** Parameter Store for a stack taking payments through GoCardless's sandbox. */
export const paymentsSsmContents: SsmContents = {
  parameters: settingsParameters(parameterPath, {
    ...clubSettings,
    paymentProvider: "gocardless",
    paymentsEnvironment: "sandbox",
    subscriptionMonths: "10",
  }),
  secrets: {
    [twilioSecretName]: JSON.stringify(testCredentials),
    [cursorKeySecretName]: "unused",
    [paymentSecretName]: JSON.stringify(goCardlessSecrets),
  },
};

/** The GoCardless stand-in for the file; its events are kept, and posted by the test itself. */
export function goCardlessForFile(): () => GoCardlessStandIn {
  let standIn: GoCardlessStandIn | undefined;
  beforeAll(async () => {
    standIn = await startGoCardlessStandIn(goCardlessSecrets);
  });
  afterAll(async () => {
    await standIn?.close();
  });
  return () => standIn!;
}

/** The function's environment for a stack taking payments: its secret's name, and GoCardless at the stand-in. */
export const paymentsEnv = (env: Record<string, string>, goCardless: GoCardlessStandIn) => ({
  ...env,
  SIGNON_PAYMENT_SECRET_NAME: paymentSecretName,
  GOCARDLESS_API_BASE_URL: goCardless.url,
});

export interface SubmittedRegistration {
  registration: StoredRegistration;
  requestId: string;
  flowId: string;
}

/**
 * A registration submitted with its payment link sent, as the submission leaves it: the billing
 * request and flow made at the stand-in, the record, the reference, and the parent's contact whose
 * last message came `lastMessageAgoMs` ago (WhatsApp's window).
 */
export async function submittedRegistration(
  env: Record<string, string>,
  goCardless: GoCardlessStandIn,
  overrides: Partial<StoredRegistration> & { parent_tel: string },
  lastMessageAgoMs = 60_000,
): Promise<SubmittedRegistration> {
  const record = registrationRecord({ status: "submitted", submitted_at: new Date().toISOString(), ...overrides });
  const client = createGoCardlessClient(goCardlessSecrets.accessToken, { baseUrl: goCardless.url });
  const link = await client.createPaymentLink({
    registrationId: record.registration_id,
    feePence: 4000,
    description: "Urmston Town 2025-26",
    payer: {},
    redirectUrl: "https://signon.example/payments/thanks",
  });
  if (link.outcome !== "created") throw new Error("the stand-in made no link");
  const payment: RecordedPayment = {
    ...noPayment,
    fee_status: "link_sent",
    request_id: link.link.requestId,
    flow_id: link.link.flowId,
    link_url: link.link.url,
    link_expires_at: link.link.expiresAt,
  };
  const registration = { ...record, payment };
  const created = await createRegistrationStore(env).create(registration);
  if (created.outcome !== "created") throw new Error(`the registration was not stored: ${created.outcome}`);
  await putItem(env, {
    ...paymentReference.key(link.link.requestId),
    registration_id: record.registration_id,
    retain_until: record.retain_until,
  });
  const contact: ParentContact & { pk: string; sk: string } = {
    pk: `parent#${record.parent_tel}`,
    sk: "contact",
    parent_tel: record.parent_tel,
    opted_out: false,
    recent_messages: [],
    last_message_at: new Date(Date.now() - lastMessageAgoMs).toISOString(),
    version: 1,
  };
  await putItem(env, contact);
  return { registration, requestId: link.link.requestId, flowId: link.link.flowId };
}

/** An item written as it is, keys and all. */
export async function putItem(env: Record<string, string>, item: object) {
  const { call, tableName } = createRegistrationsTableCall(env);
  await call("PutItem", { TableName: tableName(), Item: marshall(item) });
}

/** Every item under a key's partition, as stored: references and the events waiting there. */
export async function itemsUnder(env: Record<string, string>, pk: string): Promise<Record<string, unknown>[]> {
  const { call, tableName } = createRegistrationsTableCall(env);
  const answer = await call("Query", {
    TableName: tableName(),
    KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": "pk" },
    ExpressionAttributeValues: marshall({ ":pk": pk }),
    ConsistentRead: true,
  });
  return ((answer.Items ?? []) as never[]).map((item) => unmarshall(item));
}

/** The registration as stored now. */
export async function storedRegistration(env: Record<string, string>, tel: string): Promise<StoredRegistration> {
  const { registrations } = await createRegistrationStore(env).readParent(tel);
  if (registrations.length !== 1) throw new Error(`${registrations.length} registrations for the number`);
  return registrations[0];
}

let eventNumber = 0;

/** An event as GoCardless sends one, about `links`. */
export function goCardlessEvent(resource_type: string, action: string, links: Record<string, string>, at = new Date()): Event {
  return {
    id: `EVTEST${String(++eventNumber).padStart(6, "0")}${Math.random().toString(36).slice(2, 6).toUpperCase()}`,
    created_at: at.toISOString(),
    resource_type: resource_type as Event["resource_type"],
    action,
    links,
    details: { origin: "gocardless", cause: action, description: `Test: ${resource_type} ${action}.` },
    metadata: {},
  };
}

export interface WebhookOptions {
  /** Signed with this secret rather than the stack's. */
  secret?: string;
  /** No Webhook-Signature header at all. */
  unsigned?: true;
  /** This body sent under the signature of the real one. */
  bodySent?: string;
  /** The raw body, instead of `{"events": ...}`. */
  rawBody?: string;
}

/** GoCardless's POST /payments/gocardless with `events`, signed with the webhook secret unless told otherwise. */
export function webhookEvent(events: readonly Event[], options: WebhookOptions = {}): APIGatewayProxyEvent {
  const body = options.rawBody ?? JSON.stringify({ events, meta: { webhook_id: "WB000TEST" } });
  const signature = goCardlessSignature(body, options.secret ?? goCardlessSecrets.webhookSecret);
  return proxyEvent({
    path: "/payments/gocardless",
    body: options.bodySent ?? body,
    headers: {
      "Content-Type": "application/json",
      "User-Agent": "gocardless-webhook-service/1.1",
      ...(options.unsigned ? {} : { "Webhook-Signature": signature }),
    },
  });
}
