/**
 * The shapes the security and reliability rules work with. Nothing here imports Pulumi: the same
 * rules run over the mock engine's records (tests, `npm run plan`) and inside the policy pack
 * (`pulumi preview --policy-pack policy`), which is a separate Node process.
 */

export const RULE_ENVIRONMENTS = ["dev", "prod"] as const;
export type RuleEnvironment = (typeof RULE_ENVIRONMENTS)[number];

/** `mandatory` blocks a plan or deployment; `advisory` is a recommendation that is reported. */
export type Enforcement = "mandatory" | "advisory";
export type Severity = "low" | "medium" | "high" | "critical";

/** One resource as the rules see it. */
export interface RuleResource {
  /** The Pulumi type token, e.g. `aws:ec2/securityGroup:SecurityGroup`. */
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parentUrn?: string;
  /** The inputs the program gave the resource. */
  readonly inputs: Record<string, unknown>;
  /** Outputs where they are known (ARNs, ids): the stand-ins offline, the engine at preview. */
  readonly outputs?: Record<string, unknown>;
  /**
   * Resource options, when the caller can see them (the policy pack always; offline only when
   * captured, see `captureResourceOptions`). Rules that need them skip resources without them.
   */
  readonly options?: { readonly protect?: boolean; readonly retainOnDelete?: boolean };
}

export interface RuleContext {
  readonly environment: RuleEnvironment;
}

/** What every rule says about itself: the README table and the policy pack are built from this. */
export interface RuleInfo {
  /** Stable id, e.g. `VIT-ECS-05`; never reuse a retired id. */
  readonly id: string;
  readonly title: string;
  /** Security Hub FSBP controls and Checkov ids (see the security checklist). */
  readonly controls: readonly string[];
  readonly severity: Severity;
  readonly enforcement: Enforcement;
  readonly environments: readonly RuleEnvironment[];
}

/** A rule over one resource at a time: `check` returns one message per problem, none if it passes. */
export interface ResourceRule extends RuleInfo {
  readonly scope: "resource";
  /** The resource types the rule looks at. */
  readonly resourceTypes: readonly string[];
  /** Whether the rule can judge this resource at all (e.g. it needs resource options). @default all */
  applies?(resource: RuleResource): boolean;
  check(resource: RuleResource, context: RuleContext): readonly string[];
}

export interface StackFinding {
  /** The resource at fault; absent when the stack as a whole is (e.g. a missing resource). */
  readonly resource?: RuleResource;
  readonly message: string;
}

/** A rule that needs several resources (references between them, counts). */
export interface StackRule extends RuleInfo {
  readonly scope: "stack";
  /** The rule is not applicable when the stack has none of these types. */
  readonly resourceTypes: readonly string[];
  check(resources: readonly RuleResource[], context: RuleContext): readonly StackFinding[];
}

export type Rule = ResourceRule | StackRule;
