/**
 * A failure the operator fixes (a flag's value, a port in use, a directory that cannot be made): its
 * message names the flag and says what is wrong, so it is reported in one line and logged without a
 * stack trace.
 */
export class OperatorError extends Error {
  override readonly name: string = "OperatorError";

  constructor(
    message: string,
    /** The system error code behind it (EADDRINUSE, ENOTDIR...), for the log. */
    readonly code: string,
  ) {
    super(message);
  }
}
