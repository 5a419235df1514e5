/**
 * TwiML for Twilio's messaging webhook, both ways: the answer the webhook writes (what the
 * parent gets back, if anything), and the messages Twilio reads out of an answer.
 */
const escapes: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" };
const entities: Record<string, string> = Object.fromEntries(Object.entries(escapes).map(([character, entity]) => [entity, character]));

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => escapes[character]);
}

function unescapeXml(text: string): string {
  return text.replace(/&(?:lt|gt|quot|apos|amp);/g, (entity) => entities[entity]);
}

/** `<Response/>` acknowledges without replying; each reply given becomes a message to the parent, in order. */
export function twimlResponse(...replies: (string | undefined)[]): string {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
  const messages = replies.filter((reply): reply is string => Boolean(reply)).map((reply) => `<Message>${escapeXml(reply)}</Message>`);
  return messages.length > 0 ? `${declaration}<Response>${messages.join("")}</Response>` : `${declaration}<Response/>`;
}

/** The text of each `<Message>` in a TwiML answer: what Twilio would send the parent. */
export function twimlMessages(twiml: string): string[] {
  return [...twiml.matchAll(/<Message\b[^>]*>([\s\S]*?)<\/Message>/g)].map((match) => {
    const body = /<Body\b[^>]*>([\s\S]*?)<\/Body>/.exec(match[1]);
    return unescapeXml(body ? body[1] : match[1]);
  });
}
