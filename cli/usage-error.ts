/** A problem with the command or its file that the user fixes: printed as it is, without a stack trace, and nothing is sent. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
