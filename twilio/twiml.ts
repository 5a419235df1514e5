/** TwiML for Twilio's messaging webhook: what the parent gets back, if anything. */

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&${{ "<": "lt", ">": "gt", "&": "amp", "'": "apos", '"': "quot" }[character]};`);
}

/** `<Response/>` acknowledges without replying; with text, the parent receives it as a message. */
export function twimlResponse(reply?: string): string {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
  return reply ? `${declaration}<Response><Message>${escapeXml(reply)}</Message></Response>` : `${declaration}<Response/>`;
}
