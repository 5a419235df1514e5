/**
 * The export's cursor, as it leaves in `next_cursor` and the CSV's `Link` (URLs, logs, browser
 * history): the store's place in the season's order (aws/registration-store.ts listSeason)
 * sealed with AES-256-GCM under the stack's cursor key, bound to the season and filters it was
 * made for. It reads as noise; one that is junk, cut short, altered, made by another stack or
 * used with other filters does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const ivBytes = 12;
const tagBytes = 16;
// Far longer than any place in the order sealed; anything longer is not ours and is not decoded.
const longestCursor = 2048;

/** What a cursor was made for: the season and each filter in its one form, or absent. */
export type CursorBinding = readonly (string | undefined)[];

// A name first, so a sealing of anything else under the same key never opens as a cursor.
const associatedData = (binding: CursorBinding) => Buffer.from(JSON.stringify(["signon export cursor", ...binding]));

export function sealCursor(key: Uint8Array, position: string, binding: CursorBinding): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(associatedData(binding));
  const sealed = Buffer.concat([cipher.update(position, "utf8"), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString("base64url");
}

/** The place `cursor` holds, if this key sealed it for `binding`; undefined for anything else. */
export function openCursor(key: Uint8Array, cursor: string, binding: CursorBinding): string | undefined {
  if (cursor.length > longestCursor || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const bytes = Buffer.from(cursor, "base64url");
  if (bytes.length <= ivBytes + tagBytes) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, ivBytes), { authTagLength: tagBytes });
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
    return Buffer.concat([decipher.update(bytes.subarray(ivBytes, bytes.length - tagBytes)), decipher.final()]).toString("utf8");
  } catch {
    // The tag does not check: altered, cut short, another key or another binding.
    return undefined;
  }
}
