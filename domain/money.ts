/**
 * A fee in pounds as the template shows it after "£": `40`, `26.50`. Forgives a leading £,
 * a number instead of a string (spreadsheets and YAML send those) and one decimal place.
 */
export function poundsAmount(typed: string | number): string | undefined {
  const text = String(typed).trim().replace(/^£\s*/, "");
  const match = /^(\d{1,4})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const [, pounds, pence] = match;
  return pence === undefined ? pounds : `${pounds}.${pence.padEnd(2, "0")}`;
}
