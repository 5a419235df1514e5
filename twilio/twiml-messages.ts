/** The text of each `<Message>` in a TwiML answer: what Twilio would send the parent. */
const entities: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&" };

function unescapeXml(text: string): string {
  return text.replace(/&(?:lt|gt|quot|apos|amp);/g, (entity) => entities[entity]);
}

export function twimlMessages(twiml: string): string[] {
  return [...twiml.matchAll(/<Message\b[^>]*>([\s\S]*?)<\/Message>/g)].map((match) => {
    const body = /<Body\b[^>]*>([\s\S]*?)<\/Body>/.exec(match[1]);
    return unescapeXml(body ? body[1] : match[1]);
  });
}
