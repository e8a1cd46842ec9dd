/** The release a workload runs, as its task definition records it. */

/** What a release recorded about the image a workload runs (config keys of the same names). */
export interface ReleaseInfo {
  readonly imageTag?: string;
  readonly imageDigest?: string;
  readonly releasedBy?: string;
  readonly releaseCommit?: string;
}

/** The AWS tag of each release field on a task definition revision. */
export const RELEASE_TAG_KEYS = {
  imageTag: "vitcord:image-tag",
  imageDigest: "vitcord:image-digest",
  releasedBy: "vitcord:released-by",
  releaseCommit: "vitcord:release-commit",
} as const satisfies Record<keyof ReleaseInfo, string>;

/**
 * The tags that say which release a task definition revision is: `releases` lists the kept
 * revisions with them. Only the fields configured; none for an image named in full (`image`).
 */
export function releaseTags(release: ReleaseInfo): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(RELEASE_TAG_KEYS) as (keyof ReleaseInfo)[])
      .filter((key) => release[key] !== undefined)
      .map((key) => [RELEASE_TAG_KEYS[key], release[key]!]),
  );
}
