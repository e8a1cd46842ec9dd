// Images in ECR: a release is a workload plus an image digest; the tag is for humans. These
// helpers resolve a tag (or check a digest) in the stack's registry before anything deploys.
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { CliError } from "./errors";

/** An image digest as ECR and the stack config write it. */
export const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Where to look: the registry (an account id; default the caller's) and tag or digest. */
export interface ImageRef {
  readonly registryId?: string;
  readonly repositoryName: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface FoundImage {
  readonly digest: string;
  readonly tags: string[];
  readonly pushedAt?: Date;
}

/** An ECR repository that does not exist: named with its account and region. */
export class RepositoryNotFoundError extends CliError {
  constructor(repositoryName: string, account: string, region: string) {
    super(
      `ECR repository ${repositoryName} does not exist in account ${account} (${region}). ` +
        "It is created by the stack whose vitcord-infra:registry has createRepositories: true " +
        "(run its `up` or `bootstrap` first), or set registry.account to the account that holds it.",
    );
    this.name = "RepositoryNotFoundError";
  }
}

/**
 * The image with this tag or digest, or undefined when the repository has no such image.
 * DescribeImages in `registryId` (the account that owns the repository) answers
 * ImageNotFoundException for an unknown tag or digest and RepositoryNotFoundException for an
 * unknown repository, which is a setup problem and throws a RepositoryNotFoundError.
 */
export async function findImage(ecr: ECRClient, ref: ImageRef): Promise<FoundImage | undefined> {
  const imageId =
    ref.digest !== undefined ? { imageDigest: ref.digest } : { imageTag: ref.tag ?? "latest" };
  try {
    const answer = await ecr.send(
      new DescribeImagesCommand({
        ...(ref.registryId !== undefined ? { registryId: ref.registryId } : {}),
        repositoryName: ref.repositoryName,
        imageIds: [imageId],
      }),
    );
    const detail = answer.imageDetails?.[0];
    if (detail?.imageDigest === undefined) return undefined;
    return {
      digest: detail.imageDigest,
      tags: detail.imageTags ?? [],
      ...(detail.imagePushedAt !== undefined ? { pushedAt: detail.imagePushedAt } : {}),
    };
  } catch (error) {
    const name = (error as Error).name;
    if (name === "ImageNotFoundException") return undefined;
    if (name === "RepositoryNotFoundException") {
      throw new RepositoryNotFoundError(
        ref.repositoryName,
        ref.registryId ?? "of the caller",
        await ecr.config.region(),
      );
    }
    throw error;
  }
}

export async function imageExists(ecr: ECRClient, ref: ImageRef): Promise<boolean> {
  return (await findImage(ecr, ref)) !== undefined;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>`, the name Docker pushes to. */
export function registryUrl(account: string, region: string, repositoryName: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com/${repositoryName}`;
}

/** The commands that put a locally built image into the repository under `tag`. */
export function pushCommand(
  account: string,
  region: string,
  repositoryName: string,
  tag: string,
): string {
  const host = `${account}.dkr.ecr.${region}.amazonaws.com`;
  return (
    `aws ecr get-login-password --region ${region} | docker login --username AWS --password-stdin ${host} && ` +
    `docker push ${registryUrl(account, region, repositoryName)}:${tag}`
  );
}

/**
 * Adds `tag` to the image `digest` (the same manifest put again under another tag), so that the
 * repository's lifecycle policy, which keeps every `release-*` image, never expires an image a kept
 * task definition revision runs. Returns a warning instead of failing: a deployer that may only
 * pull from another account's registry cannot tag there, and the release itself is still right.
 */
export async function tagImage(
  ecr: ECRClient,
  ref: { registryId?: string; repositoryName: string; digest: string },
  tag: string,
): Promise<string | undefined> {
  const where = { registryId: ref.registryId, repositoryName: ref.repositoryName };
  try {
    const { images = [] } = await ecr.send(
      new BatchGetImageCommand({ ...where, imageIds: [{ imageDigest: ref.digest }] }),
    );
    const image = images[0];
    if (image?.imageManifest === undefined) return `no manifest for ${ref.digest}`;
    await ecr.send(
      new PutImageCommand({
        ...where,
        imageManifest: image.imageManifest,
        ...(image.imageManifestMediaType !== undefined
          ? { imageManifestMediaType: image.imageManifestMediaType }
          : {}),
        imageDigest: ref.digest,
        imageTag: tag,
      }),
    );
    return undefined;
  } catch (error) {
    // The tag is there already: nothing to do.
    if ((error as Error).name === "ImageAlreadyExistsException") return undefined;
    return `${(error as Error).name}: ${(error as Error).message.split("\n")[0] ?? ""}`;
  }
}
