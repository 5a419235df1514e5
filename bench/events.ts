/** The API Gateway events the bench sends: each one new work, never a duplicate. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { validInvite } from "../testkit/fixtures";
import { triggerEvent } from "../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../testkit/twilio-webhook";
import type { CodePackage } from "./packages";

let invitesMade = 0;

// Each trigger event invites another player and each webhook event is another message, so
// every call does the real work rather than being answered as a duplicate.
export const eventFor = (route: CodePackage["route"]): APIGatewayProxyEvent =>
  route === "trigger" ? triggerEvent({ ...validInvite, player_first_name: `Player ${++invitesMade}` }) : signedEvent(inboundMessage());
