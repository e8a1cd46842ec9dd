import * as assert from "node:assert/strict";
import {
  ConfigError,
  ENVIRONMENT_DEFAULTS,
  parseCidr,
  parseStackConfig,
  subnetLayout,
  usableAddresses,
} from "../components/config";
import { AWS_REGIONS, closestRegions } from "../components/config/regions";
import { readStackConfig } from "../components/config/stack-files";

/** A minimal valid raw config map, as Pulumi hands it to the program. */
function raw(values: Record<string, unknown>): Record<string, string> {
  const config: Record<string, string> = { "aws:region": "us-east-1" };
  for (const [key, value] of Object.entries(values)) {
    const fullKey = key.includes(":") ? key : `vitcord-infra:${key}`;
    config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** The problems a config is rejected with (fails the test if it is accepted). */
function problems(values: Record<string, unknown>): readonly string[] {
  try {
    parseStackConfig("test", raw(values));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("stack config", () => {
  it("refuses, under `pulumi up` too, a key in a namespace that is neither the project's nor a provider's", () => {
    assert.deepEqual(
      problems({ environment: "dev", "vitcrd-infra:services": { api: { imageTag: "v1" } } }),
      [
        'config key "vitcrd-infra:services" is in an unknown namespace "vitcrd-infra"; ' +
          'this project\'s keys start with "vitcord-infra:" (provider keys: aws:, awsx:, pulumi:)',
      ],
    );
    // Provider keys pass.
    const config = parseStackConfig("dev", raw({ environment: "dev", "aws:profile": "vitcord" }));
    assert.equal(config.environment, "dev");
  });

  describe("defaults per environment", () => {
    it("gives dev a single NAT gateway, 2 AZs and 14 days of logs", () => {
      const config = parseStackConfig("dev", raw({ environment: "dev" }));
      assert.deepEqual(config.network, {
        cidr: "10.10.0.0/16",
        availabilityZones: 2,
        natGateways: "single",
      });
      assert.equal(config.logRetentionDays, 14);
      assert.equal(config.deletionProtection, false);
      assert.equal(config.region, "us-east-1");
      assert.equal(config.stack, "dev");
    });

    it("gives prod a NAT gateway per AZ, 3 AZs, a year of logs and deletion protection", () => {
      const config = parseStackConfig("prod", raw({ environment: "prod" }));
      assert.deepEqual(config.network, {
        cidr: "10.20.0.0/16",
        availabilityZones: 3,
        natGateways: "perAz",
      });
      assert.equal(config.logRetentionDays, 365);
      assert.equal(config.deletionProtection, true);
    });

    it("keeps the keys a stack sets and defaults only the rest", () => {
      const config = parseStackConfig(
        "prod",
        raw({ environment: "prod", network: { availabilityZones: 4 } }),
      );
      assert.deepEqual(config.network, {
        cidr: "10.20.0.0/16",
        availabilityZones: 4,
        natGateways: "perAz",
      });
    });

    it("reads the scalars Pulumi stores as text (numbers, booleans)", () => {
      const config = parseStackConfig(
        "dev",
        raw({ environment: "dev", logRetentionDays: "30", deletionProtection: "true" }),
      );
      assert.equal(config.logRetentionDays, 30);
      assert.equal(config.deletionProtection, true);
    });

    it("accepts the committed stack files as they are", () => {
      for (const stack of ["dev", "prod"]) {
        const config = parseStackConfig(stack, readStackConfig(stack));
        assert.equal(config.environment, stack);
        assert.deepEqual(config.network, {
          ...ENVIRONMENT_DEFAULTS[stack as "dev" | "prod"].network,
          // Dev's stack file swaps the NAT gateway for a NAT instance (components/nat-instance.ts).
          ...(stack === "dev" ? { natGateways: "instance" } : {}),
        });
      }
    });
  });

  describe("bad input is rejected with the key, the value and what is allowed", () => {
    it("rejects a missing environment", () => {
      assert.deepEqual(problems({}), [
        "vitcord-infra:environment is missing: must be one of: dev, prod",
      ]);
    });

    it("rejects an unknown environment", () => {
      assert.deepEqual(problems({ environment: "staging" }), [
        'vitcord-infra:environment = "staging": must be one of: dev, prod',
      ]);
    });

    it("rejects a malformed CIDR", () => {
      assert.deepEqual(problems({ environment: "dev", network: { cidr: "10.0.0.300/16" } }), [
        'vitcord-infra:network.cidr = "10.0.0.300/16": must be an IPv4 CIDR block with a prefix from /16 to /22 whose address is the network\'s first, e.g. 10.10.0.0/16',
      ]);
    });

    it("rejects a CIDR that is too large, too small, or has host bits set", () => {
      for (const cidr of ["10.0.0.0/8", "10.0.0.0/24", "10.10.1.0/16"]) {
        const [problem] = problems({ environment: "dev", network: { cidr } });
        assert.match(
          problem!,
          new RegExp(
            `^vitcord-infra:network\\.cidr = "${cidr.replace(/\./g, "\\.")}": must be an IPv4 CIDR`,
          ),
        );
      }
    });

    it("rejects too few and too many availability zones", () => {
      assert.deepEqual(problems({ environment: "prod", network: { availabilityZones: 1 } }), [
        "vitcord-infra:network.availabilityZones = 1: must be a whole number from 2 to 6 availability zones",
      ]);
      assert.deepEqual(problems({ environment: "prod", network: { availabilityZones: 7 } }), [
        "vitcord-infra:network.availabilityZones = 7: must be a whole number from 2 to 6 availability zones",
      ]);
    });

    it("rejects a number given as a fraction or as text", () => {
      assert.deepEqual(problems({ environment: "dev", network: { availabilityZones: 2.5 } }), [
        "vitcord-infra:network.availabilityZones = 2.5: must be a whole number from 2 to 6 availability zones",
      ]);
      assert.deepEqual(problems({ environment: "dev", network: { availabilityZones: "two" } }), [
        'vitcord-infra:network.availabilityZones = "two": must be a whole number from 2 to 6 availability zones',
      ]);
    });

    it("rejects an unknown NAT strategy", () => {
      assert.deepEqual(problems({ environment: "dev", network: { natGateways: "none" } }), [
        'vitcord-infra:network.natGateways = "none": must be one of: single, perAz, instance',
      ]);
    });

    it("rejects unknown keys, naming each and listing the allowed ones", () => {
      const list = problems({
        environment: "dev",
        network: { natGateway: "single" },
        logRetention: 7,
      });
      assert.deepEqual([...list].sort(), [
        "vitcord-infra:logRetention: unknown key; allowed keys here: environment, logRetentionDays, deletionProtection, tags, network, cluster, registry, workers, services, databases, tables, caches, alerts, waf, ruleWaivers, schedule, kms",
        "vitcord-infra:network.natGateway: unknown key; allowed keys here: cidr, availabilityZones, natGateways, natInstanceType",
      ]);
    });

    it("rejects a retention period CloudWatch does not offer", () => {
      const [problem] = problems({ environment: "dev", logRetentionDays: 10 });
      assert.match(
        problem!,
        /^vitcord-infra:logRetentionDays = 10: must be one of the retention periods CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30/,
      );
    });

    it("rejects a non-boolean flag and a network that is not an object", () => {
      assert.deepEqual(
        problems({ environment: "dev", deletionProtection: "yes", network: "10.0.0.0/16" }),
        [
          'vitcord-infra:deletionProtection = "yes": must be true or false',
          'vitcord-infra:network = "10.0.0.0/16": must be an object with keys cidr, availabilityZones, natGateways, natInstanceType',
        ],
      );
    });

    it("rejects a missing or malformed region", () => {
      const config = raw({ environment: "dev" });
      delete config["aws:region"];
      assert.throws(() => parseStackConfig("dev", config), {
        message: /aws:region is missing: must be an AWS region name such as us-east-1/,
      });
      assert.throws(() => parseStackConfig("dev", { ...config, "aws:region": "Virginia" }), {
        message: /aws:region = "Virginia": not an AWS region \(the 34 regions/,
      });
    });

    const LIST = "(the 34 regions this program can use are listed in components/config/regions.ts)";
    for (const [region, problem] of [
      ["us-east-9", `not an AWS region; did you mean us-east-1 or us-east-2? ${LIST}`],
      ["eu-west-4", `not an AWS region; did you mean eu-west-1, eu-west-2 or eu-west-3? ${LIST}`],
      ["US-EAST-1", `not an AWS region; did you mean us-east-1? ${LIST}`],
      ["useast1", `not an AWS region; did you mean us-east-1? ${LIST}`],
      [
        "us-central-1",
        `not an AWS region; did you mean us-east-1, us-east-2, us-west-1 or us-west-2? ${LIST}`,
      ],
      ["mars-1", `not an AWS region ${LIST}`],
      [
        "us-gov-west-1",
        "AWS GovCloud (US) (partition aws-us-gov) is not supported: the program attaches AWS managed policies by their arn:aws: ARNs, which do not exist there; use a region of the commercial partition, e.g. us-east-1",
      ],
      [
        "cn-north-1",
        "AWS China (partition aws-cn) is not supported: the program attaches AWS managed policies by their arn:aws: ARNs, which do not exist there; use a region of the commercial partition, e.g. us-east-1",
      ],
    ] as const) {
      it(`rejects aws:region ${region} with what is allowed`, () => {
        assert.deepEqual(problems({ environment: "dev", "aws:region": region }), [
          `aws:region = "${region}": ${problem}`,
        ]);
      });
    }

    it("accepts every region in AWS_REGIONS, including the newest", () => {
      for (const region of AWS_REGIONS) {
        assert.equal(
          parseStackConfig("dev", { ...raw({ environment: "dev" }), "aws:region": region }).region,
          region,
        );
      }
      for (const newest of [
        "mx-central-1",
        "ap-southeast-7",
        "ap-east-2",
        "ap-southeast-5",
        "ap-southeast-6",
      ]) {
        assert.ok((AWS_REGIONS as readonly string[]).includes(newest), newest);
      }
    });

    it("hints at a few regions only, never the whole list", () => {
      assert.deepEqual(closestRegions("ap-central-1"), []);
      assert.equal(closestRegions("ap-southeast-9").length, 7);
    });

    it("reports a malformed region once, not again against each service's certificate", () => {
      const services = JSON.parse(readStackConfig("prod")["vitcord-infra:services"]!) as Record<
        string,
        Record<string, unknown>
      >;
      const api: Record<string, unknown> = {
        ...services.api,
        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abcd",
      };
      delete api.domain;
      delete api.hostedZoneName;
      const config = {
        ...readStackConfig("prod"),
        "aws:region": "Virginia",
        "vitcord-infra:services": JSON.stringify({ ...services, api }),
      };
      try {
        parseStackConfig("prod", config);
        assert.fail("expected the config to be rejected");
      } catch (error) {
        assert.deepEqual((error as ConfigError).problems, [
          'aws:region = "Virginia": not an AWS region (the 34 regions this program can use are listed in components/config/regions.ts)',
        ]);
      }
    });

    it("reports every problem at once in one message", () => {
      const list = problems({ environment: "qa", network: { cidr: "nope", availabilityZones: 0 } });
      assert.equal(list.length, 3);
      try {
        parseStackConfig(
          "test",
          raw({ environment: "qa", network: { cidr: "nope", availabilityZones: 0 } }),
        );
      } catch (error) {
        assert.match(
          (error as Error).message,
          /^Invalid stack configuration \(3 problems\):\n {2}- vitcord-infra:environment/,
        );
      }
    });
  });
});

describe("network arithmetic", () => {
  it("parses CIDR blocks and rejects malformed ones", () => {
    assert.deepEqual(parseCidr("10.10.0.0/16"), { address: (10 * 256 + 10) * 65536, prefix: 16 });
    assert.equal(parseCidr("10.10.0.0"), undefined);
    assert.equal(parseCidr("256.0.0.0/16"), undefined);
    assert.equal(parseCidr("10.0.0.0/33"), undefined);
  });

  it("gives each AZ an equal block, private subnets half of it and public a quarter", () => {
    assert.deepEqual(subnetLayout(16, 2), {
      availabilityZoneCidrMask: 17,
      privateCidrMask: 18,
      publicCidrMask: 19,
    });
    assert.deepEqual(subnetLayout(16, 3), {
      availabilityZoneCidrMask: 18,
      privateCidrMask: 19,
      publicCidrMask: 20,
    });
    assert.deepEqual(subnetLayout(22, 6), {
      availabilityZoneCidrMask: 25,
      privateCidrMask: 26,
      publicCidrMask: 27,
    });
  });

  it("leaves enough private addresses per AZ for tasks even at the smallest VPC", () => {
    // Every awsvpc task takes an address: the smallest VPC we accept still fits 59 per AZ.
    assert.equal(usableAddresses(subnetLayout(22, 6).privateCidrMask), 59);
    assert.equal(usableAddresses(subnetLayout(16, 3).privateCidrMask), 8187);
  });
});
