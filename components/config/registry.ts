import { z } from "zod";
import { ENVIRONMENT_DEFAULTS, Environment } from "./environment";
import { booleanFlag, strictObject } from "./schema-helpers";

/**
 * `vitcord-infra:registry`: where the web services' images live. One ECR repository per web
 * service, named the same in every stack (`repositoryName`), so that the image a release ran in
 * dev is the image prod runs, by digest, without a rebuild. The stack with `createRepositories`
 * (dev by default) creates them; every other stack of the account (or of `pullAccounts`) pulls.
 */

/** The prefix of every shared repository: `vitcord/<service>`. */
export const REPOSITORY_PREFIX = "vitcord";

/** The shared ECR repository of a web service, the same in every stack: `vitcord/<service>`. */
export function repositoryName(service: string): string {
  return `${REPOSITORY_PREFIX}/${service}`;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com`: the private registry of an account in a region. */
export function registryHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com`;
}

/** The repository URL of a service's shared repository in an account's registry. */
export function repositoryUrl(account: string, region: string, service: string): string {
  return `${registryHost(account, region)}/${repositoryName(service)}`;
}

/**
 * The image a workload runs from its repository: by digest when the release recorded one (the
 * tag then stays for humans, in the task definition's tags), else by tag.
 */
export function imageAt(url: string, release: { tag: string; digest?: string }): string {
  return release.digest === undefined ? `${url}:${release.tag}` : `${url}@${release.digest}`;
}

/**
 * A tag every release adds to the image it runs (helper tooling: `npm run infra -- release`):
 * `release-` + the first 12 hex digits of the digest. The repositories' lifecycle policy never
 * expires an image with such a tag, so every kept task definition revision can be rolled back to.
 */
export const RELEASE_TAG_PREFIX = "release-";

/** `release-0123456789ab` for `sha256:0123456789ab…`. */
export function releaseTag(digest: string): string {
  return `${RELEASE_TAG_PREFIX}${digest.replace(/^sha256:/, "").slice(0, 12)}`;
}

/**
 * The prefix of the tags CI gives builds that may be thrown away (`build-<sha>`): the repositories'
 * lifecycle policy keeps the newest 30 of them that were never released, and never expires an
 * image by any other tag (versions, hand-picked tags, `release-*`).
 */
export const BUILD_TAG_PREFIX = "build-";

const ACCOUNT_ID = /^\d{12}$/;
const accountIdMessage = "must be a 12-digit AWS account ID such as 123456789012";
const accountId = z
  .string({ error: accountIdMessage })
  .regex(ACCOUNT_ID, { error: accountIdMessage })
  .meta({ patternErrorMessage: accountIdMessage });

export function registrySchema(environment: Environment) {
  const defaults = ENVIRONMENT_DEFAULTS[environment].registry;
  return strictObject({
    createRepositories: booleanFlag
      .default(defaults.createRepositories)
      .describe(
        "`true`: this stack creates the shared ECR repositories `vitcord/<service>`, one per web service, kept when the stack is destroyed (other stacks pull from them). Exactly one stack per account should; the others set `false` and pull.",
      ),
    account: accountId
      .optional()
      .describe(
        "The AWS account whose registry holds the shared repositories, when it is not this stack's own (dev and prod in separate accounts); that account's stack lists this one in `pullAccounts`. Only with `createRepositories: false`.",
      ),
    pullAccounts: z
      .array(accountId, { error: "must be a list of 12-digit AWS account IDs" })
      .refine((ids) => new Set(ids).size === ids.length, { error: "must name each account once" })
      .meta({ uniqueItems: true })
      .default([])
      .describe(
        "Other AWS accounts whose stacks pull from the shared repositories (e.g. prod's): each repository's policy lets them pull images and look them up, nothing else. Only with `createRepositories: true`.",
      ),
  })
    .superRefine((registry, ctx) => {
      if (registry.createRepositories && registry.account !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["account"],
          message:
            "applies only with createRepositories: false; a stack that creates the repositories creates them in its own account",
        });
      }
      if (!registry.createRepositories && registry.pullAccounts.length > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["pullAccounts"],
          message:
            "applies only with createRepositories: true; set it in the stack that creates the repositories",
        });
      }
    })
    .prefault({})
    .describe(
      "The shared ECR repositories the web services' images are released from: which stack creates them, in which account they are, and which other accounts may pull.",
    );
}

export type RegistryConfig = z.output<ReturnType<typeof registrySchema>>;
