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

/**
 * A fee in pence, as payment providers take amounts: £26.50 is 2650. From the text, not through a
 * floating-point multiplication, which can land a penny out. Undefined for what is not a fee.
 */
export function penceOf(fee: string | number): number | undefined {
  const amount = poundsAmount(fee);
  if (amount === undefined) return undefined;
  const [pounds, pence = "0"] = amount.split(".");
  return Number(pounds) * 100 + Number(pence);
}
