import { checkCredentials, AwsClients } from "./aws";
import type { CliContext } from "./context";
import { PulumiNotInstalledError } from "./errors";
import { openStack } from "./workspace";
import { loadStack, readOutputs, StackInfo, StackOutputs } from "./workloads";

/** What a command that talks to the running workloads needs: config, outputs and AWS clients. */
export interface LiveStack {
  readonly info: StackInfo;
  readonly outputs: StackOutputs;
  readonly aws: AwsClients;
}

/**
 * Validates the stack config, then checks the Pulumi CLI and AWS credentials, then reads the stack
 * outputs (the names of clusters, services, log groups) through the Automation API. `check` runs
 * on the config before anything else, e.g. to reject an unknown workload without touching AWS.
 */
export async function openLive(
  ctx: CliContext,
  stack: string,
  secretsProvider: string | undefined,
  check: (info: StackInfo) => void = () => undefined,
): Promise<LiveStack> {
  const info = loadStack(stack, ctx.projectDir);
  check(info);
  if (ctx.findExecutable("pulumi") === undefined) throw new PulumiNotInstalledError();
  const aws = ctx.aws(info.region);
  await checkCredentials(aws.sts);
  const automation = await openStack(ctx, info, { secretsProvider });
  return { info, outputs: readOutputs(await automation.outputs()), aws };
}
