/**
 * The templates a club submits to Meta are written out in the README and docs/operating.md; the
 * simulator shows messages through its own copies (local/stand-ins/twilio/). Each documented text
 * must be its copy, so what a volunteer submits is what `npm start` showed them.
 */
import { describe, expect, it } from "vitest";
import { inviteTemplateText } from "../../local/stand-ins/twilio/invite-template";
import { paymentTemplateText } from "../../local/stand-ins/twilio/payment-template";
import { reminderTemplateText } from "../../local/stand-ins/twilio/reminder-template";
import { markdownSection } from "../../testkit/readme";

/** A section's first fenced block in `language` (none: a bare fence), without its fences. */
function codeBlock(file: string, heading: string, language = ""): string {
  const block = new RegExp(`^\`\`\`${language}\n([\\s\\S]*?)\n\`\`\``, "m").exec(markdownSection(file, heading))?.[1];
  if (block === undefined) throw new Error(`${file}'s ${heading} has no ${language || "bare"} code block`);
  return block;
}

describe("the templates' texts in the documentation", () => {
  it.each([
    {
      template: "the invite",
      documented: () => codeBlock("README.md", "## The WhatsApp templates a club submits to Meta"),
      copy: inviteTemplateText({ clubName: "Urmston Town", assistantName: "Omega" }),
    },
    {
      template: "the reminder",
      documented: () => codeBlock("docs/operating.md", "## Reminders for parents who go quiet", "text"),
      copy: reminderTemplateText(),
    },
    {
      template: "the payment reminder",
      documented: () => codeBlock("docs/operating.md", "## Payment links and reminders to pay", "text"),
      copy: paymentTemplateText(),
    },
  ])("are $template's as npm start shows it", ({ documented, copy }) => {
    expect(documented()).toBe(copy);
  });
});
