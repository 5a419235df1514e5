/** fast-check arbitraries the generated-input tests share. */
import fc from "fast-check";

/** `name` with each letter in either case, as a header name may arrive. */
export const anyCase = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(""));
