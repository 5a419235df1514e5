/**
 * The approved invite template's text, for showing an invite as the parent would see it.
 * The real text lives in Twilio's Content API; this copy (from the spec) carries the stack's
 * club and assistant names so a rebrand shows in the simulator too.
 */
export interface TemplateBranding {
  clubName: string;
  assistantName: string;
}

export function inviteTemplateText({ clubName, assistantName }: TemplateBranding): string {
  return [
    "Hi {{1}} 👋,",
    `${assistantName} here, the ${clubName} Registration Assistant.`,
    `You've been invited to register {{2}} to join ${clubName} {{3}} {{4}} for the upcoming {{5}} season.`,
    "The registration process takes around 5-10 minutes—just let me know when you're ready to begin.",
    "To complete registration, you'll be required to make an immediate one-off membership (signing-on) payment for the season of £{{6}}, and also setup a direct debit payment of £{{7}} per month using our online payment system.",
    "If you have any questions before registering, please feel free to reach out to team manager {{8}} on {{9}}. Let me know when you're ready to get started!",
  ].join("\n");
}

export type RenderedTemplate = { ok: true; text: string } | { ok: false; missing: string[] };

/** Fills `{{n}}` placeholders; a placeholder without a value is what Twilio refuses. */
export function renderTemplate(template: string, variables: Record<string, string>): RenderedTemplate {
  const placeholders = [...new Set([...template.matchAll(/\{\{(\d+)\}\}/g)].map((match) => match[1]))];
  const missing = placeholders.filter((key) => !variables[key]);
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, text: template.replace(/\{\{(\d+)\}\}/g, (_, key: string) => variables[key]) };
}
