// `ami`: the cluster's pinned AMI against the one AWS recommends now. Reads the public SSM
// parameter with the AWS SDK; changes nothing (a bump is a one-line commit, then `up`).
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { architectureOf, ecsOptimizedAmiParameter, parseStackConfig } from "../components/config";
import { readStackConfig } from "../components/config/stack-files";
import type { CliContext } from "./context";
import { CliError } from "./errors";

export interface AmiOptions {
  readonly stack: string;
  readonly json?: boolean;
}

/** What `ami` found: the pinned id (if any), the recommended one and where it was read. */
export interface AmiStatus {
  readonly stack: string;
  readonly pinned?: string;
  readonly recommended: string;
  readonly parameter: string;
}

/**
 * The report, ending with the exact stack-file lines to write when the pin differs (or is
 * missing). Printing instead of writing: a new AMI replaces every instance (an instance refresh,
 * new ones first), so it goes in a reviewed commit of its own and a deploy with nothing else in
 * it, never folded into a release.
 */
export function describeAmiStatus(status: AmiStatus): string {
  const { stack, pinned, recommended, parameter } = status;
  const lines = [`AWS recommends ${recommended} (SSM ${parameter}).`];
  const change = [
    `To move ${stack} to it, set in Pulumi.${stack}.yaml:`,
    "  vitcord-infra:cluster:",
    `    amiId: ${recommended}`,
    `then commit that alone and deploy it: npm run infra -- up --stack ${stack} (an instance refresh: new instances first, ECS drains the old ones).`,
  ];
  if (pinned === undefined) {
    lines.push(
      `${stack} does not pin its AMI (cluster.amiId): every up after AWS publishes a new one replaces its instances.`,
      ...change,
    );
  } else if (pinned === recommended) {
    lines.push(`${stack} pins ${pinned} (cluster.amiId): up to date.`);
  } else {
    lines.push(`${stack} pins ${pinned} (cluster.amiId): a newer AMI exists.`, ...change);
  }
  return `${lines.join("\n")}\n`;
}

/** `ami --stack <stack>`: read the recommended AMI for the cluster's architecture and compare. */
export async function amiCommand(ctx: CliContext, opts: AmiOptions): Promise<number> {
  const config = parseStackConfig(opts.stack, readStackConfig(opts.stack, ctx.projectDir));
  const architecture = architectureOf(config.cluster.instanceTypes);
  if (architecture === undefined) {
    throw new CliError(
      `The cluster's instance types of stack ${opts.stack} share no architecture.`,
    );
  }
  const parameter = ecsOptimizedAmiParameter(architecture);
  const answer = await ctx
    .aws(config.region)
    .ssm.send(new GetParameterCommand({ Name: parameter }));
  const recommended = answer.Parameter?.Value;
  if (recommended === undefined) {
    throw new CliError(`SSM returned no value for ${parameter} in ${config.region}.`);
  }
  const status: AmiStatus = {
    stack: opts.stack,
    ...(config.cluster.amiId !== undefined ? { pinned: config.cluster.amiId } : {}),
    recommended,
    parameter,
  };
  ctx.stdout.write(
    opts.json === true ? `${JSON.stringify(status, null, 2)}\n` : describeAmiStatus(status),
  );
  return 0;
}
