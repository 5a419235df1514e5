/** The local runtime's pure parts: throttle, template rendering, TwiML reading, option precedence. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createThrottle } from "../../local/gateway/throttle";
import { localDefaults, localOptions } from "../../local/options";
import { loadStackFile, projectRoot } from "../../local/stack-file";
import { inviteTemplateText, renderTemplate } from "../../local/stand-ins/twilio/invite-template";
import { testCredentials, validInviteVariables } from "../../testkit/fixtures";

describe("the usage plan throttle", () => {
  it("lets a burst through, then refills at the rate", () => {
    const start = 1_000_000;
    const allow = createThrottle({ rateLimit: 2, burstLimit: 3 }, start);
    expect([allow(start), allow(start), allow(start), allow(start)]).toEqual([true, true, true, false]);
    expect(allow(start + 400)).toBe(false);
    expect(allow(start + 500)).toBe(true);
    // A long quiet spell refills only up to the burst.
    const later = start + 60_000;
    expect(Array.from({ length: 4 }, () => allow(later))).toEqual([true, true, true, false]);
  });
});

describe("the invite template", () => {
  it("renders the spec's text with the stack's names and the nine variables", () => {
    const rendered = renderTemplate(inviteTemplateText({ clubName: "Sale United", assistantName: "Ada" }), validInviteVariables);
    expect(rendered).toEqual({
      ok: true,
      text: expect.stringContaining("Hi Sarah 👋,\nAda here, the Sale United Registration Assistant.\n"),
    });
    if (!rendered.ok) return;
    expect(rendered.text).toContain("register Alfie to join Sale United Lions U11 for the upcoming 2025-26 season.");
    expect(rendered.text).toContain("payment for the season of £40, and also setup a direct debit payment of £26 per month");
    expect(rendered.text).toContain("team manager Dave Examplesson on 07700 900456.");
    expect(rendered.text).not.toMatch(/\{\{\d+\}\}/);
  });

  it("names the placeholders that have no value", () => {
    const { "5": _season, "9": _managerTel, ...partial } = validInviteVariables;
    expect(renderTemplate(inviteTemplateText({ clubName: "Sale United", assistantName: "Ada" }), partial)).toEqual({
      ok: false,
      missing: ["5", "9"],
    });
  });
});

describe("npm start's options", () => {
  const dotEnv = (text: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "signon-env-")), ".env");
    fs.writeFileSync(file, text);
    return file;
  };
  const noFile = path.join(os.tmpdir(), "signon-no-such-dir", ".env");

  it("falls back to printed local defaults", () => {
    expect(localOptions([], {}, noFile)).toEqual({
      stack: "dev",
      port: 3000,
      apiKey: localDefaults.SIGNON_API_KEY,
      exportApiKey: localDefaults.SIGNON_EXPORT_API_KEY,
      twilioAccountSid: localDefaults.TWILIO_ACCOUNT_SID,
      twilioAuthToken: localDefaults.TWILIO_AUTH_TOKEN,
      live: false,
      twilioApiBaseUrl: undefined,
      twilioVerifyBaseUrl: undefined,
      goCardlessApiBaseUrl: undefined,
      goCardlessAccessToken: undefined,
      goCardlessWebhookSecret: undefined,
      defaulted: ["PORT", "SIGNON_STACK", "SIGNON_API_KEY", "SIGNON_EXPORT_API_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
    });
  });

  it("takes GoCardless's API and secrets from the environment over .env, for a stack with signon:payments", () => {
    const file = dotEnv("GOCARDLESS_ACCESS_TOKEN=sandbox_from-dot-env-0123456789\nGOCARDLESS_WEBHOOK_SECRET=from-dot-env-secret-0123\n");
    const options = localOptions(
      [],
      { GOCARDLESS_API_BASE_URL: "http://127.0.0.1:9", GOCARDLESS_WEBHOOK_SECRET: "from-env-secret-0123456789" },
      file,
    );
    expect(options).toMatchObject({
      goCardlessApiBaseUrl: "http://127.0.0.1:9",
      goCardlessAccessToken: "sandbox_from-dot-env-0123456789",
      goCardlessWebhookSecret: "from-env-secret-0123456789",
    });
  });

  it("takes the environment over .env, and the --stack flag over both", () => {
    const file = dotEnv("SIGNON_API_KEY=from-dot-env-0123456789\nPORT=4000\nSIGNON_STACK=dev\n");
    const options = localOptions(["--stack", "prod"], { PORT: "5000", SIGNON_STACK: "dev" }, file);
    expect(options).toMatchObject({ stack: "prod", port: 5000, apiKey: "from-dot-env-0123456789" });
    expect(options.defaulted).toEqual(["SIGNON_EXPORT_API_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]);
  });

  it("refuses an unknown flag, a bad port, and --live on default credentials, each with what to do", () => {
    expect(() => localOptions(["--stak", "prod"], {}, noFile)).toThrow(/Unknown option '--stak'.*Usage: npm start/);
    expect(() => localOptions([], { PORT: "eighty" }, noFile)).toThrow('PORT must be a port number such as 3000, not "eighty"');
    expect(() => localOptions(["--live"], {}, noFile)).toThrow("--live sends real WhatsApp messages");
  });
});

describe("npm start's stack file", () => {
  it("is refused with a signon: key the schema does not know, as pulumi up refuses it", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "signon-stack-file-"));
    try {
      const dev = fs.readFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), "utf8");
      fs.writeFileSync(
        path.join(root, "Pulumi.typo.yaml"),
        `${dev.replace("signon:registration:", "signon:registraton:")}  signon:donations:\n    provider: stripe\n`,
      );
      const secrets = {
        twilioAccountSid: testCredentials.accountSid,
        twilioAuthToken: testCredentials.authToken,
        apiKey: undefined,
        exportApiKey: undefined,
      };
      expect(() => loadStackFile("typo", secrets, root)).toThrow(
        /signon:registraton is not a setting signon knows \(did you mean signon:registration\?\);.*Example: pulumi config rm signon:registraton\n {2}- signon:donations is not a setting signon knows; .*Example: pulumi config rm signon:donations\n {2}- signon:registration is missing/,
      );
      expect(loadStackFile("dev", secrets).registration.season).toBe("2025-26");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
