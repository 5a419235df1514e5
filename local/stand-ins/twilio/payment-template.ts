/**
 * The approved payment template's text, for showing a payment reminder outside WhatsApp's 24-hour
 * window as the parent would see it (handlers/reminders.ts sends it). The real text lives in
 * Twilio's Content API; its variables are 1 the parent's first name, 2 the club's name, 3 the
 * player's first name, 4 the signing-on fee and 5 the monthly amount in pounds, 6 the payment link
 * (domain/reminders.ts, paymentTemplateVariables). WhatsApp refuses a template that ends on a
 * variable, so the link is followed by the line about STOP.
 */
export function paymentTemplateText(): string {
  return [
    "Hi {{1}}, a reminder from {{2}}: {{3}}'s registration is waiting for its payment.",
    "Pay the £{{4}} signing-on fee and set up the £{{5}} monthly Direct Debit here: {{6}}",
    "{{2}} will never ask for card or bank details on WhatsApp. Reply STOP if you'd rather not hear from us.",
  ].join("\n");
}
