/**
 * Twilio's own published contract for sending and listing messages: the OpenAPI description
 * of its 2010-04-01 REST API (twilio_api_v2010.json, shipped in @twilio-alpha/mcp), compiled
 * with ajv. The stand-in checks every request it receives against it, and the tests its
 * answers, so it refuses what Twilio would refuse rather than what we think Twilio refuses.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

const messagesPath = "/2010-04-01/Accounts/{AccountSid}/Messages.json";
const specModule = "@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json";

interface OpenApiDocument {
  paths: Record<string, { post: OpenApiOperation; get: OpenApiOperation }>;
  components: { schemas: Record<string, object> };
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; schema: { format?: string } }[];
  requestBody: { content: Record<string, { schema: object }> };
  responses: Record<string, { content: Record<string, { schema: object }> }>;
}

export interface ContractProblem {
  /** The form field at fault (`To`, `MaxPrice`), or "" for the request as a whole. */
  field: string;
  message: string;
}

export interface MessagesContract {
  /** Problems with a Messages create request's form fields; empty when Twilio would take it. */
  checkCreateRequest(form: URLSearchParams): ContractProblem[];
  /** Problems with a Message resource as the stand-in is about to return it. */
  checkMessageResource(resource: object): ContractProblem[];
  /** Problems with a Messages list request's query parameters; empty when Twilio would take it. */
  checkListQuery(query: URLSearchParams): ContractProblem[];
  /** Problems with a page of the Messages list as the stand-in is about to return it. */
  checkMessagePage(page: object): ContractProblem[];
}

/** Replaces `#/components/schemas/...` references with the schemas themselves. */
function inlineReferences(schema: unknown, components: Record<string, object>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inlineReferences(item, components));
  if (!schema || typeof schema !== "object") return schema;
  const { $ref, ...rest } = schema as { $ref?: string };
  if ($ref) return inlineReferences(components[$ref.replace("#/components/schemas/", "")], components);
  return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, inlineReferences(value, components)]));
}

/** A form sends every value as text and a repeated field as several values: shape it as JSON. */
function formAsJson(form: URLSearchParams, arrayFields: ReadonlySet<string>): Record<string, string | string[]> {
  const json: Record<string, string | string[]> = {};
  for (const name of new Set(form.keys())) {
    json[name] = arrayFields.has(name) ? form.getAll(name) : form.get(name)!;
  }
  return json;
}

/** The list's query parameters as one object schema. */
function querySchema(operation: OpenApiOperation): object {
  const parameters = (operation.parameters ?? []).filter((parameter) => parameter.in === "query");
  // The description says date-time for DateSent, and documents YYYY-MM-DD beside it.
  const dateOrDateTime = (schema: { format?: string }) =>
    schema.format === "date-time" ? { anyOf: [{ type: "string", format: "date" }, schema] } : schema;
  return {
    type: "object",
    properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, dateOrDateTime(parameter.schema)])),
  };
}

/** A list page's links are paths, as the description's own examples show, not the absolute URIs its `uri` format asks for. */
function withPathLinks(schema: { properties: Record<string, { format?: string }> }): object {
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([name, property]) => [
      name,
      property.format === "uri" ? { ...property, format: "uri-reference" } : property,
    ]),
  );
  return { ...schema, properties };
}

function problemsOf(validate: ValidateFunction): ContractProblem[] {
  return (validate.errors ?? []).map((error: ErrorObject) => {
    const field = error.instancePath.split("/")[1] ?? "";
    const missing = error.keyword === "required" ? String(error.params.missingProperty) : undefined;
    return { field: missing ?? field, message: missing ? `'${missing}' is required` : `'${field}' ${error.message}` };
  });
}

export function loadMessagesContract(): MessagesContract {
  // Read at start-up, not bundled: the file is 2 MB and only the local runtime needs it.
  const document = require(specModule) as OpenApiDocument;
  const operation = document.paths[messagesPath].post;
  const { schemas } = document.components;
  const requestSchema = inlineReferences(operation.requestBody.content["application/x-www-form-urlencoded"].schema, schemas) as {
    properties: Record<string, { type?: string }>;
  };
  const resourceSchema = inlineReferences(operation.responses["201"].content["application/json"].schema, schemas) as object;
  const list = document.paths[messagesPath].get;
  const pageSchema = withPathLinks(
    inlineReferences(list.responses["200"].content["application/json"].schema, schemas) as { properties: Record<string, object> },
  );

  // strict: false because the description carries Twilio's own `x-twilio` keywords.
  // coerceTypes because a form's "true" or "1.5" is Twilio's boolean or number.
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: "array" });
  addFormats(ajv);
  // Twilio's "phone-number" is an E.164 number, optionally as a channel address (whatsapp:+44...).
  ajv.addFormat("phone-number", /^(?:[a-z]+:)?\+?[1-9]\d{1,14}$/);
  // Twilio's dates read "Tue, 24 Nov 2026 10:00:00 +0000"; its prices come with an ISO currency.
  ajv.addFormat("date-time-rfc-2822", /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/);
  ajv.addFormat("currency", /^[A-Z]{3}$/);
  ajv.addFormat("uri-map", true);
  const validateRequest = ajv.compile(requestSchema);
  const validateResource = ajv.compile(resourceSchema);
  const validateQuery = ajv.compile(querySchema(list));
  const validatePage = ajv.compile(pageSchema);
  const arrayFields = new Set(Object.keys(requestSchema.properties).filter((name) => requestSchema.properties[name].type === "array"));

  return {
    checkCreateRequest(form) {
      return validateRequest(formAsJson(form, arrayFields)) ? [] : problemsOf(validateRequest);
    },
    checkMessageResource(resource) {
      return validateResource(structuredClone(resource)) ? [] : problemsOf(validateResource);
    },
    checkListQuery(query) {
      return validateQuery(formAsJson(query, new Set())) ? [] : problemsOf(validateQuery);
    },
    checkMessagePage(page) {
      return validatePage(structuredClone(page)) ? [] : problemsOf(validatePage);
    },
  };
}

const verifyModule = "@twilio-alpha/mcp/twilio-oai/spec/json/twilio_verify_v2.json";
const verificationsPath = "/v2/Services/{ServiceSid}/Verifications";
const verificationCheckPath = "/v2/Services/{ServiceSid}/VerificationCheck";

/** Twilio Verify's published contract for starting and checking a verification (twilio_verify_v2.json). */
export interface VerifyContract {
  /** Problems with the service SID in the path; empty when it is one. */
  checkServiceSid(serviceSid: string): ContractProblem[];
  /** Problems with a start request's form fields (To, Channel, ...). */
  checkStartRequest(form: URLSearchParams): ContractProblem[];
  /** Problems with a check request's form fields (Code, To or VerificationSid, ...). */
  checkCheckRequest(form: URLSearchParams): ContractProblem[];
  checkVerificationResource(resource: object): ContractProblem[];
  checkVerificationCheckResource(resource: object): ContractProblem[];
}

/** `nullable` beside no `type` (Verify's `lookup`, `sna`) says nothing a value could break, and ajv refuses it there. */
function withoutUntypedNullable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutUntypedNullable);
  if (!schema || typeof schema !== "object") return schema;
  const { nullable, ...rest } = schema as { nullable?: boolean; type?: unknown };
  const kept = nullable !== undefined && rest.type !== undefined ? { ...rest, nullable } : rest;
  return Object.fromEntries(Object.entries(kept).map(([key, value]) => [key, withoutUntypedNullable(value)]));
}

export function loadVerifyContract(): VerifyContract {
  const document = require(verifyModule) as OpenApiDocument;
  const { schemas } = document.components;
  const start = document.paths[verificationsPath].post;
  const check = document.paths[verificationCheckPath].post;
  const formSchema = (operation: OpenApiOperation) =>
    inlineReferences(operation.requestBody.content["application/x-www-form-urlencoded"].schema, schemas) as object;
  const resourceSchema = (operation: OpenApiOperation, status: string) =>
    withoutUntypedNullable(inlineReferences(operation.responses[status].content["application/json"].schema, schemas)) as object;
  const serviceSidSchema = (start.parameters ?? []).find((parameter) => parameter.name === "ServiceSid")!.schema;

  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: "array" });
  addFormats(ajv);
  const validateServiceSid = ajv.compile({ type: "object", properties: { ServiceSid: serviceSidSchema }, required: ["ServiceSid"] });
  const validateStart = ajv.compile(formSchema(start));
  const validateCheck = ajv.compile(formSchema(check));
  const validateVerification = ajv.compile(resourceSchema(start, "201"));
  const validateVerificationCheck = ajv.compile(resourceSchema(check, "200"));
  const problems = (validate: ValidateFunction, value: object) => (validate(value) ? [] : problemsOf(validate));

  return {
    checkServiceSid: (serviceSid) => problems(validateServiceSid, { ServiceSid: serviceSid }),
    checkStartRequest: (form) => problems(validateStart, formAsJson(form, new Set())),
    checkCheckRequest(form) {
      const found = problems(validateCheck, formAsJson(form, new Set()));
      // The description says one of To and VerificationSid is required, in words only.
      if (!form.has("To") && !form.has("VerificationSid")) found.push({ field: "To", message: "'To' is required" });
      if (!form.has("Code")) found.push({ field: "Code", message: "'Code' is required" });
      return found;
    },
    checkVerificationResource: (resource) => problems(validateVerification, structuredClone(resource)),
    checkVerificationCheckResource: (resource) => problems(validateVerificationCheck, structuredClone(resource)),
  };
}
