import * as assert from "node:assert/strict";
import { releaseTag } from "../components/config/registry";
import { ecrLifecyclePolicy } from "../components/registry";

/** An image in a repository: its tags and how many days ago it was pushed. */
interface Image {
  readonly name: string;
  readonly tags: readonly string[];
  readonly pushedDaysAgo: number;
}

interface Rule {
  rulePriority: number;
  selection: {
    tagStatus: "tagged" | "untagged" | "any";
    tagPatternList?: string[];
    countType: "imageCountMoreThan" | "sinceImagePushed";
    countNumber: number;
  };
}

/** `release-*` as a regular expression: ECR's `*` matches any characters. */
function patternMatches(pattern: string, tag: string): boolean {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`).test(tag);
}

/**
 * What ECR's lifecycle evaluation expires, as the ECR user guide states it ("Lifecycle policies",
 * evaluation rules): rules apply by priority; a tagged rule selects an image when, for every
 * pattern of its list, one of the image's tags matches; an image that matches a higher-priority
 * rule's tag selection cannot be expired by a lower one (lower rules still count it); count rules
 * expire the oldest beyond the count, age rules everything pushed longer ago.
 */
function expiredBy(policy: string, images: readonly Image[]): string[] {
  const rules = (JSON.parse(policy) as { rules: Rule[] }).rules.sort(
    (a, b) => a.rulePriority - b.rulePriority,
  );
  const claimed = new Set<string>();
  const expired = new Set<string>();
  for (const { selection } of rules) {
    const selected = images
      .filter((image) => {
        if (selection.tagStatus === "untagged") return image.tags.length === 0;
        if (selection.tagStatus === "any") return true;
        return (
          image.tags.length > 0 &&
          (selection.tagPatternList ?? []).every((p) =>
            image.tags.some((t) => patternMatches(p, t)),
          )
        );
      })
      .sort((a, b) => a.pushedDaysAgo - b.pushedDaysAgo); // newest first
    const candidates =
      selection.countType === "imageCountMoreThan"
        ? selected.slice(selection.countNumber)
        : selected.filter((image) => image.pushedDaysAgo > selection.countNumber);
    for (const image of candidates) if (!claimed.has(image.name)) expired.add(image.name);
    for (const image of selected) claimed.add(image.name);
  }
  return [...expired].sort();
}

const DIGEST = `sha256:${"ab".repeat(32)}`;
/** 40 CI builds pushed after everything else, one a day. */
const builds: Image[] = Array.from({ length: 40 }, (_, i) => ({
  name: `build ${i}`,
  tags: [`build-${i.toString(16).padStart(7, "0")}`],
  pushedDaysAgo: i,
}));

describe("the ECR lifecycle policy (issue 15)", () => {
  it("never expires an image a stack runs by a hand-written tag, however many builds follow", () => {
    // Prod runs `imageTag: "1.0.0"` (no release, so no release- tag); 40 builds came after it.
    const images: Image[] = [
      ...builds,
      { name: "prod's 1.0.0", tags: ["1.0.0"], pushedDaysAgo: 100 },
      { name: "a git-sha tag", tags: ["9f2c1e7"], pushedDaysAgo: 90 },
    ];
    const expired = expiredBy(ecrLifecyclePolicy(), images);
    assert.ok(!expired.includes("prod's 1.0.0"), "the image prod runs is kept");
    assert.ok(!expired.includes("a git-sha tag"));
    // Only the builds beyond the newest 30 go.
    assert.deepEqual(
      expired,
      builds
        .slice(30)
        .map((b) => b.name)
        .sort(),
    );
  });

  it("keeps every released image, even an old build, and expires untagged images after 7 days", () => {
    const released: Image = {
      name: "released build",
      tags: ["build-0ld0000", releaseTag(DIGEST)],
      pushedDaysAgo: 400,
    };
    const images: Image[] = [
      ...builds,
      released,
      { name: "untagged, 8 days", tags: [], pushedDaysAgo: 8 },
      { name: "untagged, 6 days", tags: [], pushedDaysAgo: 6 },
    ];
    const expired = expiredBy(ecrLifecyclePolicy(), images);
    assert.ok(!expired.includes("released build"), "rule 1 claims it before rule 3 could");
    assert.ok(expired.includes("untagged, 8 days"));
    assert.ok(!expired.includes("untagged, 6 days"));
  });

  it("is what expired the running image before (the model tells the old policy apart)", () => {
    // The policy as it was: rule 3 kept the newest 30 of every tagged image.
    const old = JSON.parse(ecrLifecyclePolicy()) as { rules: Rule[] };
    old.rules[2]!.selection.tagPatternList = ["*"];
    const images: Image[] = [
      ...builds,
      { name: "prod's 1.0.0", tags: ["1.0.0"], pushedDaysAgo: 100 },
    ];
    assert.ok(expiredBy(JSON.stringify(old), images).includes("prod's 1.0.0"));
  });
});
