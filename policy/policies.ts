/**
 * The policy pack's policies, built from the one rule module (rules/): a resource rule
 * becomes a ResourceValidationPolicy, a stack rule a StackValidationPolicy, each with the rule's
 * id as its name and the rule's enforcement level. Kept apart from index.ts so that tests can
 * load it without starting the pack's gRPC server.
 */
import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  ResourceRule,
  Rule,
  RuleEnvironment,
  RuleResource,
  RULES,
  StackRule,
  UNKNOWN,
} from "../rules";
import { isWaived, stackWaivers, waiverPolicy } from "./waivers";

/** The sentinels @pulumi/policy puts where a value is unknown during a preview (internal API). */
const UNKNOWN_SENTINELS: ReadonlySet<unknown> = (() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proxy = require("@pulumi/policy/proxy") as Record<string, unknown>;
  return new Set(
    Object.entries(proxy)
      .filter(([key]) => /^unknown[A-Z][a-z]+Value$/.test(key))
      .map(([, value]) => value),
  );
})();

/** The property @pulumi/policy's unknown-checking proxy answers with its plain target. */
const PROXY_TARGET = "__getSpecialProxyTarget";

/**
 * A plain copy of a resource's properties with every unknown replaced by the rules' UNKNOWN, so
 * that a stack rule can skip what it cannot know instead of the whole rule being skipped.
 */
export function plainProperties(value: unknown): unknown {
  if (UNKNOWN_SENTINELS.has(value)) return UNKNOWN;
  if (value === null || typeof value !== "object") return value;
  const target: unknown = (value as Record<string, unknown>)[PROXY_TARGET] ?? value;
  if (Array.isArray(target)) return target.map(plainProperties);
  return Object.fromEntries(
    Object.entries(target as object).map(([k, v]) => [k, plainProperties(v)]),
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `urn:pulumi:<stack>::…` → the stack name. */
function stackOf(urn: string): string {
  return urn.split("::")[0]?.split(":")[2] ?? "";
}

/**
 * The environment a stack is: the `Environment` default tag the program puts on its AWS provider
 * (index.ts), else the stack name, else prod (the strictest).
 */
export function environmentOf(
  urn: string,
  providerProps?: Record<string, unknown>,
): RuleEnvironment {
  // Providers keep nested settings as JSON text in their state.
  const raw = providerProps?.defaultTags;
  const defaultTags = (typeof raw === "string" ? parseJson(raw) : raw) as
    { tags?: Record<string, unknown> } | undefined;
  const tagged = defaultTags?.tags?.Environment;
  if (tagged === "dev" || tagged === "prod") return tagged;
  const stack = stackOf(urn);
  return stack === "dev" ? "dev" : "prod";
}

function describeRule(rule: Rule): string {
  return `${rule.title}. Controls: ${rule.controls.join(", ")}.`;
}

/** A resource rule as a ResourceValidationPolicy. */
export function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
  return {
    name: rule.id,
    description: describeRule(rule),
    enforcementLevel: rule.enforcement satisfies EnforcementLevel,
    severity: rule.severity,
    tags: [...rule.controls],
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!rule.resourceTypes.includes(args.type)) return;
      const environment = environmentOf(args.urn, args.provider?.props);
      if (!rule.environments.includes(environment)) return;
      // The props stay behind the unknown-checking proxy: reading an unknown value makes the
      // engine report "can't run during preview" and run the rule again at update time.
      const resource: RuleResource = {
        type: args.type,
        name: args.name,
        urn: args.urn,
        inputs: args.props,
        options: { protect: args.opts?.protect === true },
      };
      if (rule.applies?.(resource) === false) return;
      // A waived finding is not a violation: the rule-waivers policy reports it, with its reason.
      const waivers = stackWaivers(stackOf(args.urn), environment);
      for (const message of rule.check(resource, { environment })) {
        if (!isWaived(waivers, rule.id, { resource, message })) reportViolation(message);
      }
    },
  };
}

function toRuleResource(resource: PolicyResource): RuleResource {
  const props = plainProperties(resource.props) as Record<string, unknown>;
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    parentUrn: resource.parent?.urn,
    // Stack validation sees the resources' state, which holds their inputs and outputs.
    inputs: props,
    outputs: props,
    options: { protect: resource.opts?.protect === true },
  };
}

/** The stack's environment, from the AWS provider's default tags among its resources. */
function stackEnvironment(resources: readonly PolicyResource[]): RuleEnvironment {
  const provider = resources.find((r) => r.type === "pulumi:providers:aws");
  const withProvider = resources.find((r) => r.provider !== undefined);
  const props = provider
    ? (plainProperties(provider.props) as Record<string, unknown>)
    : withProvider?.provider?.props;
  return environmentOf(resources[0]?.urn ?? "", props);
}

/** A stack rule as a StackValidationPolicy. */
export function stackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.id,
    description: describeRule(rule),
    enforcementLevel: rule.enforcement,
    severity: rule.severity,
    tags: [...rule.controls],
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const environment = stackEnvironment(args.resources);
      if (!rule.environments.includes(environment)) return;
      const resources = args.resources.map(toRuleResource);
      if (!resources.some((r) => rule.resourceTypes.includes(r.type))) return;
      const waivers = stackWaivers(stackOf(args.resources[0]?.urn ?? ""), environment);
      for (const finding of rule.check(resources, { environment })) {
        if (isWaived(waivers, rule.id, finding)) continue;
        reportViolation(finding.message, finding.resource?.urn);
      }
    },
  };
}

export function policyFor(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  return rule.scope === "resource" ? resourcePolicy(rule) : stackPolicy(rule);
}

/** One policy per rule, in the rule module's order. */
export const POLICIES: (ResourceValidationPolicy | StackValidationPolicy)[] = RULES.map(policyFor);

/** The advisory `rule-waivers` policy: waived findings with their reasons, refused waivers. */
export const WAIVER_POLICY: StackValidationPolicy = waiverPolicy(
  (resources) => stackWaivers(stackOf(resources[0]?.urn ?? ""), stackEnvironment(resources)),
  stackEnvironment,
  toRuleResource,
);
