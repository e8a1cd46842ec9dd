import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BUILD_TAG_PREFIX,
  RELEASE_TAG_PREFIX,
  repositoryName,
  repositoryUrl,
} from "./config/registry";
import { privateEcrRepositoryArn } from "./task";

/** How many never-released `build-*` images a repository keeps, and untagged image days. */
export const ECR_KEEP_BUILD_IMAGES = 30;
export const ECR_UNTAGGED_EXPIRY_DAYS = 7;
/**
 * Released images kept per repository: ECR's own quota is 20,000 images per repository, and the
 * lifecycle rule needs a number (9999, as AWS's CDK examples use to mean "keep").
 */
export const ECR_KEEP_RELEASED_IMAGES = 9999;

/**
 * The ECR lifecycle policy. ECR applies rules by priority, and "an image that matches the tagging
 * requirements of a higher priority rule cannot be expired by a rule with a lower priority"
 * (ECR user guide, "Lifecycle policies": evaluation rules; a rule's `tagPatternList` matches an
 * image when one of its tags matches each pattern). Hence:
 *
 * 1. every released image (a `release-` tag, which each `release`/`promote`/`rollback` adds:
 *    `releaseTag()`) with a count no repository reaches: kept, and out of reach of rules 2–3;
 * 2. untagged images after a week: nothing runs them (a release needs a tag, tags are immutable);
 * 3. of the CI builds (`build-*` tags), the newest N; older ones that were never released go.
 *
 * No rule selects any other tag, so an image a stack runs by a hand-written tag (`imageTag: 1.0.0`
 * without a release) is never expired either: before, a rule kept only the newest 30 of every
 * tagged image, and 30 CI pushes later the running image of such a stack was gone.
 */
export function ecrLifecyclePolicy(
  keepBuilds = ECR_KEEP_BUILD_IMAGES,
  untaggedDays = ECR_UNTAGGED_EXPIRY_DAYS,
): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep released images (tag ${RELEASE_TAG_PREFIX}*): kept task definitions run them`,
        selection: {
          tagStatus: "tagged",
          tagPatternList: [`${RELEASE_TAG_PREFIX}*`],
          countType: "imageCountMoreThan",
          countNumber: ECR_KEEP_RELEASED_IMAGES,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Expire untagged images after ${untaggedDays} days`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: untaggedDays,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 3,
        description: `Keep the last ${keepBuilds} CI builds (tag ${BUILD_TAG_PREFIX}*) that were never released`,
        selection: {
          tagStatus: "tagged",
          tagPatternList: [`${BUILD_TAG_PREFIX}*`],
          countType: "imageCountMoreThan",
          countNumber: keepBuilds,
        },
        action: { type: "expire" },
      },
    ],
  });
}

/** What ECS needs to pull an image: exactly these, nothing that writes. */
export const ECR_PULL_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
] as const;

/**
 * The repository policy for other accounts' stacks: their principals (the account root, so that
 * the other account's IAM decides which of its roles; its execution roles are granted the
 * repository's ARN) may pull, and look an image up by tag or digest (`ecr:DescribeImages`, which
 * `release` and `bootstrap` use to resolve a tag and check an image exists). Nothing else.
 */
export function repositoryPullPolicy(pullAccounts: readonly string[]): string {
  const principal = { AWS: pullAccounts.map((account) => `arn:aws:iam::${account}:root`) };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "PullImages", Effect: "Allow", Principal: principal, Action: [...ECR_PULL_ACTIONS] },
      {
        Sid: "FindReleasedImages",
        Effect: "Allow",
        Principal: principal,
        Action: ["ecr:DescribeImages"],
      },
    ],
  });
}

/** A web service's image repository, wherever it is. */
export interface ServiceRepository {
  /** `vitcord/<service>`. */
  readonly repositoryName: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/vitcord/<service>`. */
  readonly repositoryUrl: pulumi.Output<string>;
  /** The repository's ARN, which the execution roles may pull from. */
  readonly repositoryArn: pulumi.Output<string>;
  /** The account of the registry. */
  readonly registryId: pulumi.Output<string>;
}

export interface SharedRepositoriesArgs {
  /** The web services, one repository each. */
  readonly services: readonly string[];
  /** Accounts whose stacks pull (`vitcord-infra:registry.pullAccounts`). */
  readonly pullAccounts: readonly string[];
  /**
   * Pulumi `protect` as well as `retainOnDelete` (prod-like stacks).
   * @default false
   */
  readonly protect?: boolean;
}

/**
 * The shared ECR repositories, created by the one stack per account with
 * `registry.createRepositories` (dev): `vitcord/<service>`, immutable tags, scanned on push,
 * KMS-encrypted. Other stacks use them, so a destroy or a removed service leaves them in place
 * (`retainOnDelete`); a stack that creates them anew over existing ones imports them instead
 * (`pulumi import aws:ecr/repository:Repository <service>-repo vitcord/<service>`, docs/deploy.md).
 */
export class SharedRepositories extends pulumi.ComponentResource {
  public readonly repositories: Readonly<Record<string, ServiceRepository>>;

  constructor(name: string, args: SharedRepositoriesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vitcord:registry:SharedRepositories", name, args, opts);
    const kept: pulumi.CustomResourceOptions = {
      parent: this,
      retainOnDelete: true,
      ...((args.protect ?? false) ? { protect: true } : {}),
    };
    const repositories: Record<string, ServiceRepository> = {};
    for (const service of args.services) {
      const repository = new aws.ecr.Repository(
        `${service}-repo`,
        {
          name: repositoryName(service),
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "KMS" }],
          // Never deleted with its images: other stacks' task definitions point at them.
          forceDelete: false,
        },
        kept,
      );
      new aws.ecr.LifecyclePolicy(
        `${service}-repo-lifecycle`,
        { repository: repository.name, policy: ecrLifecyclePolicy() },
        { parent: this },
      );
      if (args.pullAccounts.length > 0) {
        new aws.ecr.RepositoryPolicy(
          `${service}-repo-policy`,
          { repository: repository.name, policy: repositoryPullPolicy(args.pullAccounts) },
          { parent: this },
        );
      }
      repositories[service] = {
        repositoryName: repositoryName(service),
        repositoryUrl: repository.repositoryUrl,
        repositoryArn: repository.arn,
        registryId: repository.registryId,
      };
    }
    this.repositories = repositories;
    this.registerOutputs({
      repositoryUrls: Object.fromEntries(
        Object.entries(repositories).map(([service, r]) => [service, r.repositoryUrl]),
      ),
    });
  }
}

/**
 * The repositories of a stack that creates none (`registry.createRepositories: false`): the same
 * names in `account`'s registry in the stack's region. The execution roles are granted exactly
 * these ARNs; with another account, that account's repository policy must list this one.
 */
export function pulledRepositories(
  services: readonly string[],
  account: pulumi.Input<string>,
  region: string,
): Record<string, ServiceRepository> {
  return Object.fromEntries(
    services.map((service) => {
      const url = pulumi.output(account).apply((id) => repositoryUrl(id, region, service));
      const arn = url.apply((u) => {
        const found = privateEcrRepositoryArn(u);
        if (found === undefined) throw new Error(`${u} is not an ECR repository URL.`);
        return found;
      });
      return [
        service,
        {
          repositoryName: repositoryName(service),
          repositoryUrl: url,
          repositoryArn: arn,
          registryId: pulumi.output(account),
        },
      ];
    }),
  );
}
