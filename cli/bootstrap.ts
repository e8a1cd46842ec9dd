// `bootstrap --stack <name>`: prepares what a first `up` cannot do itself, and says what is still
// missing with the exact fix. Idempotent: run it again until every line reads ok or created.
//   1. the service-linked roles ECS, its autoscaling, EC2 Auto Scaling and load balancing need
//      (on a new account CreateCluster/CreateCapacityProvider fail until ECS's exists);
//   2. the Route 53 hosted zones of services with a `domain`: the zone exists and the world's DNS
//      delegates its name to the zone's name servers (else certificate validation never ends);
//   3. the shared ECR repositories: a targeted `up` of just them in the stack that creates them,
//      else a check that they exist in the registry account;
//   4. each configured image exists, so that tasks can pull it.
import { promises as dns } from "node:dns";
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { CreateServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { listStacks } from "../components/config/stack-files";
import { accountOfArn, checkCredentials } from "./aws";
import { plannedSteps } from "./confirm";
import type { CliContext } from "./context";
import { CliError } from "./errors";
import { findImage, pushCommand } from "./images";
import {
  BootstrapPlan,
  Check,
  formatChecks,
  ImageCheck,
  nameServersMatch,
  normalizeDnsName,
  planBootstrap,
  registryTargets,
  ServiceLinkedRole,
  SERVICE_LINKED_ROLES,
  ZoneCheck,
} from "./bootstrap-plan";
import { openStack } from "./workspace";
import { isProtected, loadStack, StackInfo } from "./workloads";

export interface BootstrapOptions {
  readonly stack: string;
  readonly yes?: boolean;
  readonly secretsProvider?: string;
}

/** What bootstrap reaches outside AWS: the world's DNS (injected in tests, no network there). */
export interface BootstrapDeps {
  resolveNs(name: string): Promise<string[]>;
}

const realDns: BootstrapDeps = { resolveNs: (name) => dns.resolveNs(name) };

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

/** Exists, or created now; a refusal (no iam:CreateServiceLinkedRole) is missing with the fix. */
export async function checkServiceLinkedRole(
  iam: IAMClient,
  role: ServiceLinkedRole,
): Promise<Check> {
  const subject = `service-linked role ${role.roleName}`;
  try {
    await iam.send(new GetRoleCommand({ RoleName: role.roleName }));
    return { status: "ok", subject };
  } catch (error) {
    if (errorName(error) !== "NoSuchEntityException") throw error;
  }
  try {
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: role.serviceName }));
    return { status: "created", subject, detail: `for ${role.serviceName} (${role.why})` };
  } catch (error) {
    return {
      status: "missing",
      subject,
      detail: `could not create it: ${(error as Error).message}`,
      fix: `aws iam create-service-linked-role --aws-service-name ${role.serviceName}`,
    };
  }
}

/** The public zone by ID or by name: its ID, name and name servers, or a missing Check. */
async function findZone(
  route53: Route53Client,
  zone: ZoneCheck,
): Promise<{ id: string; name: string; nameServers: string[] } | Check> {
  const subject = `hosted zone ${zone.name ?? zone.id}`;
  let id = zone.id;
  if (id === undefined) {
    const name = normalizeDnsName(zone.name!);
    const listed = await route53.send(
      new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 10 }),
    );
    const found = (listed.HostedZones ?? []).filter(
      (z) => normalizeDnsName(z.Name ?? "") === name && z.Config?.PrivateZone !== true,
    );
    if (found.length !== 1) {
      return {
        status: "missing",
        subject,
        detail:
          found.length === 0
            ? `no public Route 53 zone named ${name} (needed by ${zone.domains.join(", ")})`
            : `${found.length} public zones are named ${name}; the program cannot tell which to use`,
        fix:
          found.length === 0
            ? `aws route53 create-hosted-zone --name ${name} --caller-reference vitcord-${name}, then delegate ${name} to its name servers`
            : `delete the unused zone, or set hostedZoneId instead of hostedZoneName`,
      };
    }
    id = found[0]!.Id!;
  }
  try {
    const answer = await route53.send(new GetHostedZoneCommand({ Id: id }));
    return {
      id: answer.HostedZone?.Id ?? id,
      name: normalizeDnsName(answer.HostedZone?.Name ?? zone.name ?? ""),
      nameServers: answer.DelegationSet?.NameServers ?? [],
    };
  } catch (error) {
    if (errorName(error) !== "NoSuchHostedZone") throw error;
    return {
      status: "missing",
      subject,
      detail: `no hosted zone with ID ${id} in this account`,
      fix: "set hostedZoneId to a zone of this account (aws route53 list-hosted-zones)",
    };
  }
}

/** The zone exists, and the public DNS answers its name servers for its name. */
export async function checkZone(
  route53: Route53Client,
  zone: ZoneCheck,
  deps: BootstrapDeps,
): Promise<Check> {
  const found = await findZone(route53, zone);
  if ("status" in found) return found;
  const subject = `hosted zone ${found.name} (${found.id.replace(/^\/hostedzone\//, "")})`;
  const expected = found.nameServers.map(normalizeDnsName);
  const fix = `at the registrar of ${found.name} (or in its parent zone), set its name servers to ${expected.join(", ")}`;
  let resolved: string[];
  try {
    resolved = (await deps.resolveNs(found.name)).map(normalizeDnsName);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    return {
      status: "missing",
      subject,
      detail: `not delegated: the NS lookup of ${found.name} fails (${code})`,
      fix,
    };
  }
  if (!nameServersMatch(expected, resolved)) {
    return {
      status: "missing",
      subject,
      detail: `not delegated: ${found.name} resolves to ${resolved.join(", ")}, not this zone's name servers`,
      fix,
    };
  }
  return { status: "ok", subject, detail: `delegated to ${resolved.join(", ")}` };
}

/** The stack that creates the repositories: a targeted `up` of the registry resources alone. */
async function createRepositories(
  ctx: CliContext,
  info: StackInfo,
  plan: BootstrapPlan,
  opts: BootstrapOptions,
): Promise<Check> {
  const subject = `repositories ${plan.repositories.join(", ")}`;
  const stack = await openStack(ctx, info, { secretsProvider: opts.secretsProvider });
  const events: EngineEvent[] = [];
  await stack.preview({ color: "never", onEvent: (event) => events.push(event) });
  const targets = registryTargets(plannedSteps(events));
  if (targets.length === 0) {
    return { status: "ok", subject, detail: `in stack ${info.stack}, nothing to create` };
  }
  if (isProtected(info) && opts.yes !== true) {
    const question = `Stack ${info.stack} is ${info.environment}. Type the stack name to create ${targets.length} registry resources in it: `;
    if (!ctx.interactive || (await ctx.prompt(question)).trim() !== info.stack) {
      throw new CliError(
        `Refusing to create the repositories of the protected stack ${info.stack} without --yes; nothing was changed.`,
      );
    }
  }
  ctx.stderr.write(`Creating the repositories (a targeted up of ${targets.length} resources)…\n`);
  await stack.up({ color: "never", target: targets, targetDependents: false });
  return { status: "created", subject, detail: `targeted up of ${targets.length} resources` };
}

/** The stacks that pull: each repository exists in the registry account. */
async function checkRepositories(
  ecr: ECRClient,
  plan: BootstrapPlan,
  creators: readonly string[],
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const repositoryName of plan.repositories) {
    const subject = `repository ${repositoryName} in account ${plan.account}`;
    try {
      await ecr.send(
        new DescribeRepositoriesCommand({
          registryId: plan.account,
          repositoryNames: [repositoryName],
        }),
      );
      checks.push({ status: "ok", subject });
    } catch (error) {
      if (errorName(error) !== "RepositoryNotFoundException") throw error;
      const creator = creators[0] ?? "<the stack with registry.createRepositories: true>";
      checks.push({
        status: "missing",
        subject,
        detail: "stacks with registry.createRepositories: false pull from it and create none",
        fix: `npm run infra -- bootstrap --stack ${creator} (with credentials for account ${plan.account})`,
      });
    }
  }
  return checks;
}

async function checkImage(
  ecr: ECRClient,
  plan: BootstrapPlan,
  image: ImageCheck,
  info: StackInfo,
): Promise<Check> {
  const ref = image.digest ?? image.tag;
  const subject = `image ${image.repositoryName}${image.digest !== undefined ? "@" : ":"}${ref} (${image.workloads.join(", ")})`;
  let found;
  try {
    found = await findImage(ecr, {
      registryId: plan.account,
      repositoryName: image.repositoryName,
      ...(image.digest !== undefined ? { digest: image.digest } : { tag: image.tag }),
    });
  } catch (error) {
    if (errorName(error) !== "RepositoryNotFoundError") throw error;
    return { status: "missing", subject, detail: "its repository does not exist (see above)" };
  }
  if (found !== undefined) return { status: "ok", subject, detail: found.digest };
  const workload = image.workloads[0]!;
  return {
    status: "missing",
    subject,
    detail: `not in account ${plan.account}: tasks could not pull it and the first up would wait until it times out`,
    fix: plan.createRepositories
      ? `build and push it: ${pushCommand(plan.account, info.region, image.repositoryName, image.tag)}; ` +
        `or release a tag that exists: npm run infra -- release ${workload} <tag> --stack ${info.stack}`
      : `promote what dev runs: npm run infra -- promote ${workload} --from dev --to ${info.stack}; ` +
        `or push ${image.repositoryName}:${image.tag} to account ${plan.account}`,
  };
}

/** The stacks of the project whose registry creates the repositories (to name in a fix). */
function repositoryCreators(ctx: CliContext, stacks: readonly string[]): string[] {
  return stacks.filter((stack) => {
    try {
      return planBootstrap(ctx.projectDir, stack, "000000000000").createRepositories;
    } catch {
      return false;
    }
  });
}

/** Each image the stack's config names, checked in its registry account. */
async function checkImages(ecr: ECRClient, plan: BootstrapPlan, info: StackInfo): Promise<Check[]> {
  const checks: Check[] = [];
  for (const image of plan.images) checks.push(await checkImage(ecr, plan, image, info));
  return checks;
}

/**
 * The configured images that do not exist in the registry, as missing checks with their fixes,
 * for the caller (its STS ARN) that `up` already identified. `up` refuses to start with any
 * (prod's first up would otherwise wait for tasks that can never pull their image until it times
 * out).
 */
export async function missingImages(
  ctx: CliContext,
  info: StackInfo,
  callerArn: string,
): Promise<Check[]> {
  const plan = planBootstrap(ctx.projectDir, info.stack, accountOfArn(callerArn) ?? "");
  const checks = await checkImages(ctx.aws(info.region).ecr, plan, info);
  return checks.filter((check) => check.status === "missing");
}

export async function bootstrapCommand(
  ctx: CliContext,
  opts: BootstrapOptions,
  deps: BootstrapDeps = realDns,
): Promise<number> {
  const info = loadStack(opts.stack, ctx.projectDir);
  const clients = ctx.aws(info.region);
  const arn = await checkCredentials(clients.sts);
  const caller = accountOfArn(arn) ?? "";
  const plan = planBootstrap(ctx.projectDir, info.stack, caller);
  ctx.stderr.write(
    `Bootstrapping stack ${info.stack} (${info.environment}, ${info.region}) as ${arn}.\n`,
  );

  const checks: Check[] = [];
  const report = (check: Check) => {
    checks.push(check);
    ctx.stdout.write(formatChecks([check]));
  };
  for (const role of SERVICE_LINKED_ROLES) report(await checkServiceLinkedRole(clients.iam, role));
  for (const zone of plan.zones) report(await checkZone(clients.route53, zone, deps));
  if (plan.repositories.length > 0) {
    if (plan.createRepositories) {
      try {
        report(await createRepositories(ctx, info, plan, opts));
      } catch (error) {
        if (error instanceof CliError) throw error;
        report({
          status: "missing",
          subject: `repositories ${plan.repositories.join(", ")}`,
          detail: `the targeted up failed: ${(error as Error).message.split("\n")[0]}`,
          fix: "fix the error above (often a missing hosted zone), then run bootstrap again",
        });
      }
    } else {
      const creators = repositoryCreators(ctx, listStacks(ctx.projectDir));
      for (const check of await checkRepositories(clients.ecr, plan, creators)) report(check);
    }
  }
  for (const check of await checkImages(clients.ecr, plan, info)) report(check);

  const missing = checks.filter((check) => check.status === "missing").length;
  if (missing > 0) {
    ctx.stdout.write(
      `\n${missing} missing: fix ${missing === 1 ? "it" : "them"} as shown, then run ` +
        `\`npm run infra -- bootstrap --stack ${info.stack}\` again.\n`,
    );
    return 1;
  }
  const next = `npm run infra -- up --stack ${info.stack}`;
  ctx.stdout.write(
    plan.images.length > 0
      ? `\nStack ${info.stack} is ready to deploy. Next: ${next}\n`
      : `\nStack ${info.stack} is ready to deploy (its services run public images). Next: ${next}; ` +
          `then push an image and release it: npm run infra -- release <service> <tag> --stack ${info.stack}\n`,
  );
  return 0;
}
