/** What the assistant says back to a parent on WhatsApp. */
export interface ReplyContext {
  assistantName: string;
  clubName: string;
}

/** The answer to a parent's message until the step-by-step registration conversation exists. */
export function acknowledgement({ assistantName, clubName }: ReplyContext): string {
  return `Thanks for your message! ${assistantName} here, the ${clubName} Registration Assistant. I've passed it to the club's registration team and we'll continue your registration here on WhatsApp.`;
}
