import { z } from "zod";
import { ENVIRONMENT_DEFAULTS, Environment, ServiceDefaults } from "./environment";
export type { ServiceDefaults };
import { problemLine } from "./errors";
import { minimumSchedulableCapacity } from "./instance-types";
import {
  booleanFlag,
  imageDigest,
  imageReference,
  imageTag,
  intInRange,
  preprocessInputs,
  releaseCommit,
  releasedBy,
  resourceName,
  strictObject,
} from "./schema-helpers";
import { checkContainerConfig, containerConfigShape, namedRecord } from "./task";
import { usesSchema } from "./uses";

/**
 * The load balancer's idle timeout by default: under the keep-alive timeout of the servers we run,
 * Puma's `persistent_timeout` (20 s) and Tomcat's `keepAliveTimeout` (its `connectionTimeout`:
 * 20 s in Tomcat's own server.xml, 60 s embedded in Spring Boot), so the load balancer closes an
 * idle connection before the application does (ALB user guide, "Connection idle timeout").
 */
export const IDLE_TIMEOUT_DEFAULT_SECONDS = 15;

/** Deregistration delay ceiling: well under AWS's 300 s default, so deploys do not stall. */
export const DEREGISTRATION_DELAY_MAX = 120;

const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const MATCHER = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/;

const healthCheckPathMessage = "must be a URL path starting with /, e.g. /up";
const certificateArnMessage =
  "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)";
const domainMessage = "must be a lowercase DNS name such as api.example.com";
const hostedZoneIdMessage = "must be a Route 53 hosted zone ID such as Z0123456789ABC";
const hostedZoneNameMessage = "must be a DNS zone name such as example.com";

/**
 * Whether every code and range of a well-formed matcher is one an ALB accepts: HTTP codes 200 to
 * 499 (ELB's Matcher.HttpCode), a range from low to high. CreateTargetGroup refuses anything else.
 */
export function albMatcherInRange(matcher: string): boolean {
  return matcher.split(",").every((part) => {
    const [low, high = low] = part.split("-").map(Number) as [number, number?];
    return low >= 200 && high <= 499 && low <= high;
  });
}

/** Pulumi's `--path` config writes scalars as text; counts and tags set by the CLI may be text. */
const countFromText = (schema: z.ZodType<number>) =>
  z
    .preprocess((v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v), schema)
    .register(preprocessInputs, {
      alsoAccepts: { type: "string", pattern: "^\\d+$", patternErrorMessage: "must be digits" },
    });
const tagFromText = z
  .preprocess((v) => (typeof v === "number" ? String(v) : v), imageTag)
  .register(preprocessInputs, { alsoAccepts: { type: "number" } });

const matcherMessage = 'must be HTTP codes such as "200", "200,204" or "200-399"';

const healthCheckSchema = (defaults: ServiceDefaults) =>
  strictObject({
    intervalSeconds: intInRange(5, 300, "seconds")
      .default(defaults.healthCheckIntervalSeconds)
      .describe("Seconds between two health checks of a target by the load balancer."),
    timeoutSeconds: intInRange(2, 120, "seconds")
      .default(5)
      .describe(
        "Seconds the load balancer waits for an answer before the check fails; less than `intervalSeconds`.",
      ),
    healthyThreshold: intInRange(2, 10)
      .default(2)
      .describe("Passed checks in a row after which a target receives traffic."),
    unhealthyThreshold: intInRange(2, 10)
      .default(3)
      .describe(
        "Failed checks in a row after which a target stops receiving traffic (and ECS replaces the task).",
      ),
    matcher: z
      .string()
      .regex(MATCHER, { error: matcherMessage })
      .refine(albMatcherInRange, {
        error:
          "must be HTTP codes from 200 to 499, ranges low-high: an Application Load Balancer accepts no others",
      })
      .meta({
        // The JSON Schema's approximation: codes 200 to 499, not that a range's low ≤ high.
        pattern: "^[2-4]\\d{2}(-[2-4]\\d{2})?(,[2-4]\\d{2}(-[2-4]\\d{2})?)*$",
        patternErrorMessage:
          'must be HTTP codes from 200 to 499 such as "200", "200,204" or "200-399"',
      })
      .default("200-399")
      .describe("The HTTP status codes that count as healthy: codes, ranges or both."),
  })
    .prefault({})
    .describe("How the load balancer checks the service's tasks on `healthCheckPath`.");

const autoscalingSchema = strictObject({
  min: intInRange(0, 100, "tasks").describe(
    "The fewest tasks autoscaling keeps running; at most `max`. Required.",
  ),
  max: intInRange(1, 100, "tasks").describe("The most tasks autoscaling may run. Required."),
  cpuTarget: intInRange(10, 95, "percent")
    .optional()
    .describe(
      "Target tracking on the service's average CPU utilisation, in percent; set this, `requestsPerTarget` or both.",
    ),
  requestsPerTarget: intInRange(1, 100000, "requests per target")
    .optional()
    .describe(
      "Target tracking on the load balancer's requests per task per minute; set this, `cpuTarget` or both.",
    ),
});

export function serviceSchema(environment: Environment) {
  const defaults = ENVIRONMENT_DEFAULTS[environment].service;
  return strictObject({
    image: imageReference
      .optional()
      .describe(
        "A full image reference (with a tag or digest) to run instead of an image from the service's own ECR repository, e.g. a public image. Set this or `imageTag`.",
      ),
    imageTag: tagFromText
      .optional()
      .describe(
        "The tag of the image to run from the service's shared ECR repository (`vitcord/<service>`, see `vitcord-infra:registry`); `npm run infra -- release` sets it. Set this or `image`.",
      ),
    imageDigest: imageDigest
      .optional()
      .describe(
        "The digest of the released image (`sha256:…`); when set the service runs the image by digest and `imageTag` is only its name for humans. `npm run infra -- release` sets it with `imageTag`.",
      ),
    releasedBy: releasedBy
      .optional()
      .describe(
        "Who or what released the running image (a person, or CI such as `github-actions/vitcord/api`), written by the release tooling; tags the task definition.",
      ),
    releaseCommit: releaseCommit
      .optional()
      .describe(
        "The git commit the running image was built from, written by the release tooling; tags the task definition.",
      ),
    port: intInRange(1, 65535, "(a TCP port)")
      .default(80)
      .describe("The TCP port the container listens on; the load balancer sends traffic to it."),
    cpu: intInRange(128, 16384, "CPU units")
      .default(defaults.cpu)
      .describe(
        "CPU reserved for each task, in CPU units (1024 = one vCPU); it must fit on each of `cluster.instanceTypes`.",
      ),
    memory: intInRange(128, 131072, "MiB")
      .default(defaults.memory)
      .describe(
        "Memory reserved for each task, in MiB (also its hard limit); it must fit on each of `cluster.instanceTypes`.",
      ),
    desiredCount: countFromText(intInRange(0, 100, "tasks"))
      .optional()
      .describe(
        "Tasks to run. Unset, the environment's count, kept within `autoscaling.min` and `autoscaling.max` when autoscaling is set; with autoscaling, it is the count at creation only.",
      ),
    healthCheckPath: z
      .string()
      .regex(/^\/[\x21-\x7e]*$/, { error: healthCheckPathMessage })
      .max(1024, { error: "must be at most 1024 characters" })
      .meta({ patternErrorMessage: healthCheckPathMessage })
      .default("/")
      .describe(
        "The URL path the load balancer requests on each task to check its health, e.g. `/up`.",
      ),
    healthCheck: healthCheckSchema(defaults),
    healthCheckGracePeriodSeconds: intInRange(0, 3600, "seconds")
      .default(defaults.healthCheckGracePeriodSeconds)
      .describe(
        "Seconds after a task starts during which ECS ignores failed load-balancer health checks, for the application to boot.",
      ),
    deregistrationDelaySeconds: intInRange(0, DEREGISTRATION_DELAY_MAX, "seconds")
      .default(defaults.deregistrationDelaySeconds)
      .describe(
        "Seconds a draining task keeps serving its in-flight requests before the load balancer deregisters it.",
      ),
    idleTimeoutSeconds: intInRange(1, 4000, "seconds")
      .default(IDLE_TIMEOUT_DEFAULT_SECONDS)
      .describe(
        "Seconds the load balancer keeps an idle connection open, to clients and to the tasks. Keep it below the application's keep-alive timeout, or a request sent on a connection the app is closing gets a 502: Puma's `persistent_timeout` is 20 s and Spring Boot's embedded Tomcat keeps connections 60 s (`server.tomcat.keep-alive-timeout`, else `connection-timeout`), hence 15 by default rather than ALB's 60. It also bounds how long a response may send nothing (504 after it).",
      ),
    autoscaling: autoscalingSchema
      .optional()
      .describe(
        "Target-tracking autoscaling of the task count; unset, the service runs `desiredCount` tasks.",
      ),
    minHealthyPercent: intInRange(0, 100, "percent")
      .default(defaults.minHealthyPercent)
      .describe("During a deploy, the fewest tasks kept running, in percent of the desired count."),
    maxHealthyPercent: intInRange(100, 200, "percent")
      .default(defaults.maxHealthyPercent)
      .describe(
        "During a deploy, the most tasks running at once, in percent of the desired count; above `minHealthyPercent`.",
      ),
    certificateArn: z
      .string()
      .regex(ACM_CERTIFICATE_ARN, { error: certificateArnMessage })
      .meta({ patternErrorMessage: certificateArnMessage })
      .optional()
      .describe(
        "An ACM certificate in the stack's region for an HTTPS listener (HTTP then redirects to it). Prod needs this or `domain`; not both.",
      ),
    domain: z
      .string()
      .regex(DOMAIN, { error: domainMessage })
      .meta({ patternErrorMessage: domainMessage })
      .optional()
      .describe(
        "A DNS name for the service: the program requests an ACM certificate for it, validates it in the Route 53 zone and points the name at the load balancer. Needs `hostedZoneId` or `hostedZoneName`.",
      ),
    hostedZoneId: z
      .string()
      .regex(HOSTED_ZONE_ID, { error: hostedZoneIdMessage })
      .meta({ patternErrorMessage: hostedZoneIdMessage })
      .optional()
      .describe("The Route 53 hosted zone, by ID, that holds `domain`; or set `hostedZoneName`."),
    hostedZoneName: z
      .string()
      .regex(DOMAIN, { error: hostedZoneNameMessage })
      .meta({ patternErrorMessage: hostedZoneNameMessage })
      .optional()
      .describe("The Route 53 hosted zone, by name, that holds `domain`; or set `hostedZoneId`."),
    execEnabled: booleanFlag
      .default(false)
      .describe(
        "Allow ECS Exec (`aws ecs execute-command`, `infra exec`) into the service's containers; prod should use one-off tasks instead (VIT-ECS-13).",
      ),
    ...containerConfigShape,
    uses: usesSchema,
  })
    .superRefine((service, ctx) => {
      checkContainerConfig(service, ctx);
      const problem = (path: PropertyKey[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });

      if (service.imageDigest !== undefined && service.imageTag === undefined) {
        problem(
          ["imageDigest"],
          "applies only with imageTag: it pins the image of the service's ECR repository (a full `image` carries its own digest)",
        );
      }
      if (service.image !== undefined && service.imageTag !== undefined) {
        problem(["image"], "Only one of `image` or `imageTag` can be provided.");
      } else if (service.image === undefined && service.imageTag === undefined) {
        problem(
          ["imageTag"],
          "set imageTag (a tag in the service's ECR repository) or image (a full image reference)",
        );
      }

      const scaling = service.autoscaling;
      if (scaling !== undefined) {
        if (scaling.min > scaling.max) {
          problem(["autoscaling", "min"], `must be at most autoscaling.max (${scaling.max})`);
        } else if (
          service.desiredCount !== undefined &&
          (service.desiredCount < scaling.min || service.desiredCount > scaling.max)
        ) {
          problem(
            ["desiredCount"],
            `must be within autoscaling.min and autoscaling.max (${scaling.min} to ${scaling.max})`,
          );
        }
        if (scaling.cpuTarget === undefined && scaling.requestsPerTarget === undefined) {
          problem(["autoscaling"], "set cpuTarget, requestsPerTarget or both");
        }
      }
      if (service.maxHealthyPercent <= service.minHealthyPercent) {
        problem(
          ["maxHealthyPercent"],
          `must be above minHealthyPercent (${service.minHealthyPercent}), or deployments cannot start a new task`,
        );
      }
      if (service.healthCheck.timeoutSeconds >= service.healthCheck.intervalSeconds) {
        problem(
          ["healthCheck", "timeoutSeconds"],
          `must be less than healthCheck.intervalSeconds (${service.healthCheck.intervalSeconds})`,
        );
      }

      if (service.certificateArn !== undefined && service.domain !== undefined) {
        problem(["domain"], "Only one of `certificateArn` or `domain` can be provided.");
      }
      if (service.domain !== undefined) {
        if ((service.hostedZoneId === undefined) === (service.hostedZoneName === undefined)) {
          problem(
            ["hostedZoneId"],
            "with domain, set exactly one of hostedZoneId or hostedZoneName (the Route 53 zone that holds it)",
          );
        }
      } else if (service.hostedZoneId !== undefined || service.hostedZoneName !== undefined) {
        problem(["domain"], "is missing: a hosted zone is only used with domain");
      }
      if (
        environment === "prod" &&
        service.certificateArn === undefined &&
        service.domain === undefined
      ) {
        problem(
          ["certificateArn"],
          "prod services serve HTTPS: set certificateArn, or domain with hostedZoneId or hostedZoneName (HTTP-only is allowed in dev only)",
        );
      }
    })
    .transform((service) => {
      const scaling = service.autoscaling;
      const fallback =
        scaling === undefined
          ? defaults.desiredCount
          : Math.min(Math.max(defaults.desiredCount, scaling.min), scaling.max);
      return { ...service, desiredCount: service.desiredCount ?? fallback };
    });
}

export type ServiceConfig = z.output<ReturnType<typeof serviceSchema>>;

/**
 * An ALB can only use an ACM certificate from its own region: a `certificateArn` from another
 * region would pass every other check and fail the listener at deploy time.
 */
export function certificateRegionProblems(
  services: Readonly<Record<string, Pick<ServiceConfig, "certificateArn">>>,
  region: string,
): string[] {
  return Object.entries(services).flatMap(([name, service]) => {
    const certificateRegion = service.certificateArn?.split(":")[3];
    return certificateRegion === undefined || certificateRegion === region
      ? []
      : [
          problemLine(
            ["services", name, "certificateArn"],
            service.certificateArn,
            `must be a certificate in the stack's region (aws:region = ${region}): a load balancer uses ACM certificates from its own region only`,
          ),
        ];
  });
}

/** `vitcord-infra:services`: service name → service; a new entry is a new load-balanced service. */
export function servicesSchema(environment: Environment) {
  return namedRecord(
    resourceName,
    serviceSchema(environment).describe(
      "One web service: its image, size, load balancer health check, scaling, HTTPS and container settings.",
    ),
    "is not a valid service name: lowercase letters, digits and single hyphens, starting with a letter, at most 20 characters",
  )
    .default({})
    .describe(
      "The load-balanced web services, by name: each gets an internet-facing Application Load Balancer, an ECR repository, an ECS service on the cluster and a log group. The name is part of AWS resource names.",
    );
}

/** What the cross-area check needs from the whole stack config. */
interface StackWorkloads {
  readonly cluster: { readonly instanceTypes: readonly string[] };
  readonly services: Readonly<Record<string, { readonly cpu: number; readonly memory: number }>>;
  readonly workers?: Readonly<Record<string, unknown>>;
}

/**
 * The rules that span areas: every service's task must fit on each instance type the cluster may
 * launch (a task that fits none stays PENDING forever), a service and a worker never share a
 * name (the name is the log group, task family and container of each), and no service name makes
 * a load balancer name AWS refuses.
 */
export function checkServicesAgainstStack(config: StackWorkloads, ctx: z.RefinementCtx): void {
  const capacity = minimumSchedulableCapacity(config.cluster.instanceTypes);
  const types = config.cluster.instanceTypes.join(", ");
  for (const [name, service] of Object.entries(config.services)) {
    // The service's ALB is named `<name>-alb-<suffix>`, and ELB refuses names beginning this way.
    if (name.startsWith("internal-")) {
      ctx.addIssue({
        code: "custom",
        path: ["services", name],
        message:
          'is not a valid service name: it names the service\'s load balancer, and AWS refuses load balancer names that begin with "internal-"',
      });
    }
    if (capacity !== undefined && service.cpu > capacity.cpu) {
      ctx.addIssue({
        code: "custom",
        path: ["services", name, "cpu"],
        message: `must be at most ${capacity.cpu} CPU units, what a task can reserve on each of cluster.instanceTypes (${types})`,
      });
    }
    if (capacity !== undefined && service.memory > capacity.memoryMiB) {
      ctx.addIssue({
        code: "custom",
        path: ["services", name, "memory"],
        message: `must be at most ${capacity.memoryMiB} MiB, what a task can reserve on each of cluster.instanceTypes (${types}) after the OS and ECS agent reservations`,
      });
    }
    if (config.workers !== undefined && Object.hasOwn(config.workers, name)) {
      ctx.addIssue({
        code: "custom",
        path: ["workers", name],
        message: `has the name of a service (services.${name}); a workload name names its log group, task family and container, so it must be unique`,
      });
    }
  }
}
