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

/** `<Response/>` acknowledges without replying; with text, the parent receives it as a message. */
export function twimlResponse(reply?: string): string {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
  return reply ? `${declaration}<Response><Message>${escapeXml(reply)}</Message></Response>` : `${declaration}<Response/>`;
}

/** The text of each `<Message>` in a TwiML answer: what Twilio would send the parent. */
export function twimlMessages(twiml: string): string[] {
  return [...twiml.matchAll(/<Message\b[^>]*>([\s\S]*?)<\/Message>/g)].map((match) => {
    const body = /<Body\b[^>]*>([\s\S]*?)<\/Body>/.exec(match[1]);
    return unescapeXml(body ? body[1] : match[1]);
  });
}
