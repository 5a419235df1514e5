/**
 * The approved reminder template's text, for showing a reminder as the parent would see it
 * (handlers/reminders.ts sends it). The real text lives in Twilio's Content API; its variables
 * are 1 the parent's first name, 2 the club's name, 3 the player's first name, 4 the team and
 * age group (domain/reminders.ts, reminderVariables).
 */
export function reminderTemplateText(): string {
  return [
    "Hi {{1}} 👋, a quick reminder from {{2}}.",
    "{{3}}'s registration for {{4}} isn't finished yet. It only takes a few minutes: reply here whenever you're ready to carry on.",
    "Reply STOP if you'd rather not hear from us.",
  ].join("\n");
}
