import * as assert from "node:assert/strict";
import { describeAmiStatus } from "../cli/ami";

const PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id";

describe("ami (issue 15)", () => {
  it("says a pinned AMI is up to date when AWS recommends the same one", () => {
    assert.equal(
      describeAmiStatus({
        stack: "prod",
        pinned: "ami-0aaaaaaaaaaaaaaaa",
        recommended: "ami-0aaaaaaaaaaaaaaaa",
        parameter: PARAMETER,
      }),
      `AWS recommends ami-0aaaaaaaaaaaaaaaa (SSM ${PARAMETER}).\nprod pins ami-0aaaaaaaaaaaaaaaa (cluster.amiId): up to date.\n`,
    );
  });

  it("prints the exact stack-file lines to write when a newer AMI exists", () => {
    assert.equal(
      describeAmiStatus({
        stack: "prod",
        pinned: "ami-0aaaaaaaaaaaaaaaa",
        recommended: "ami-0bbbbbbbbbbbbbbbb",
        parameter: PARAMETER,
      }),
      [
        `AWS recommends ami-0bbbbbbbbbbbbbbbb (SSM ${PARAMETER}).`,
        "prod pins ami-0aaaaaaaaaaaaaaaa (cluster.amiId): a newer AMI exists.",
        "To move prod to it, set in Pulumi.prod.yaml:",
        "  vitcord-infra:cluster:",
        "    amiId: ami-0bbbbbbbbbbbbbbbb",
        "then commit that alone and deploy it: npm run infra -- up --stack prod (an instance refresh: new instances first, ECS drains the old ones).",
        "",
      ].join("\n"),
    );
  });

  it("warns that an unpinned stack follows every new AMI", () => {
    const text = describeAmiStatus({
      stack: "dev",
      recommended: "ami-0bbbbbbbbbbbbbbbb",
      parameter: PARAMETER,
    });
    assert.match(
      text,
      /^dev does not pin its AMI \(cluster\.amiId\): every up after AWS publishes a new one replaces its instances\.$/m,
    );
    assert.match(text, /^ {4}amiId: ami-0bbbbbbbbbbbbbbbb$/m);
  });
});
