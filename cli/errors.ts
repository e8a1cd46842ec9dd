import { StackFileError, UnknownStackError } from "../components/config/stack-files";
import { StackOptionError } from "../components/config/stack-option";

/** The page that explains how to install the Pulumi CLI on every platform. */
export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/install/";

/**
 * An error the user can fix: printed as its message alone (no stack trace), exit code non-zero.
 * Every expected failure of the CLI is one of these or a `ConfigError`, `UnknownStackError`,
 * `StackFileError` (a broken Pulumi.yaml or stack file) or `StackOptionError` (--stack via npm).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The Pulumi CLI is not on PATH; the Automation API drives that binary, so nothing can run. */
export class PulumiNotInstalledError extends CliError {
  constructor() {
    super(
      "The Pulumi CLI is not installed (no `pulumi` on PATH). Install it from " +
        `${PULUMI_INSTALL_URL} (e.g. \`curl -fsSL https://get.pulumi.com | sh\`), then retry.`,
    );
    this.name = "PulumiNotInstalledError";
  }
}

/** AWS refused or could not find credentials for the STS identity check. */
export class AwsCredentialsError extends CliError {
  constructor(detail: string) {
    super(
      `No usable AWS credentials (${detail}). Configure them with \`aws configure sso\` and ` +
        "`export AWS_PROFILE=<profile>`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; " +
        "CI assumes its role through OIDC.",
    );
    this.name = "AwsCredentialsError";
  }
}

/** A workload name that is neither a configured service nor a configured worker. */
export class UnknownWorkloadError extends CliError {
  constructor(name: string, stack: string, kind: string, known: readonly string[]) {
    super(
      `Unknown ${kind} ${JSON.stringify(name)} in stack ${stack}. ` +
        `Configured: ${known.length > 0 ? known.join(", ") : "(none)"}.`,
    );
    this.name = "UnknownWorkloadError";
  }
}

/** Error names the AWS SDK uses when it has no credentials or they are not accepted. */
const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "TokenRefreshRequired",
]);

/** True when an AWS SDK error means "no or bad credentials" rather than a service failure. */
export function isCredentialsError(error: unknown): boolean {
  return error instanceof Error && CREDENTIAL_ERRORS.has(error.name);
}

/**
 * A Pulumi CLI failure surfaced by the Automation API (`CommandError`) carries the whole command
 * output; the lines that start with `error:` are the part a user needs.
 */
function pulumiErrorLines(error: Error): string | undefined {
  const lines = error.message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^error:/i.test(line));
  if (lines.length === 0) return undefined;
  return [...new Set(lines.map((line) => line.replace(/^error:\s*/i, "")))].join("\n");
}

/** The message to print for any error the CLI meets: the message alone, never a stack trace. */
export function describeError(error: unknown): string {
  if (
    error instanceof CliError ||
    error instanceof UnknownStackError ||
    error instanceof StackFileError ||
    error instanceof StackOptionError
  ) {
    return error.message;
  }
  if (error instanceof Error && error.name === "ConfigError") return error.message;
  if (isCredentialsError(error)) return new AwsCredentialsError((error as Error).message).message;
  if (error instanceof Error) {
    return pulumiErrorLines(error) ?? error.message.split("\n")[0] ?? error.name;
  }
  return String(error);
}
