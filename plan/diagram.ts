/**
 * A Mermaid flowchart of a stack, generated from its recorded resources (nothing hard-coded):
 * internet → each load balancer → its service in the private subnets → NAT → internet; workers
 * and their queues; the cluster's EC2 capacity; the VPC endpoints; the data stores and their users. Markdown, so GitHub renders it.
 */
import { buildInventory, InventoryComponent, SERVICE_NAMES } from "./inventory";
import { natGatewayCount, obj, ownerOf, RecordedResource, str, TYPES } from "./resources";

/** A Mermaid node id: letters, digits and underscores only. */
export function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;
}

/** A label safe inside `["…"]`. */
export function label(text: string): string {
  return `"${text.replace(/"/g, "#quot;")}"`;
}

function withoutName(component: InventoryComponent): string {
  const prefix = `${component.component}: `;
  return component.summary.startsWith(prefix)
    ? component.summary.slice(prefix.length)
    : component.summary;
}

/** The flowchart's Mermaid source (without the Markdown fence). */
export function mermaidFlowchart(resources: readonly RecordedResource[]): string {
  const inventory = buildInventory(resources);
  const vpc = resources.find((r) => r.type === TYPES.vpc);
  const nat = vpc ? natGatewayCount(vpc) : undefined;
  const workloads = inventory.components.filter((c) => c.kind === "service" || c.kind === "worker");
  const clusters = inventory.components.filter((c) => c.kind === "cluster");
  const stores = inventory.components.filter((c) => c.usedBy !== undefined);
  const storeNode = (c: InventoryComponent) => nodeId(c.kind, c.component);
  const endpoints = resources.filter((r) => r.type === TYPES.vpcEndpoint);
  const queueUse = queueUseByWorkload(resources);
  const queuesOf = (component: string, use: QueueUse) =>
    (queueUse.get(component) ?? []).filter((u) => u.use === use).map((u) => u.queue);

  const out = ["flowchart LR", `  internet((Internet))`];
  const cidr = str(vpc?.inputs.cidrBlock) ?? "";
  out.push(`  subgraph vpc[${label(`VPC ${cidr} · ${nat?.zones ?? "?"} AZs`)}]`);
  out.push(`    subgraph public_subnets[${label("Public subnets")}]`);
  for (const w of workloads.filter((w) => w.kind === "service")) {
    out.push(`      ${nodeId("alb", w.component)}[${label(`${w.component} load balancer`)}]`);
  }
  if (nat !== undefined && nat.count > 0) {
    const text =
      nat.count === 1
        ? `NAT gateway<br/>shared by ${nat.zones} AZs`
        : `NAT gateways ×${nat.count}<br/>one per AZ`;
    out.push(`      nat[${label(text)}]`);
  }
  out.push("    end");
  out.push(`    subgraph private_subnets[${label("Private subnets")}]`);
  for (const w of workloads) {
    const prefix = w.kind === "service" ? "svc" : "wrk";
    const kind = w.kind === "service" ? "web service" : "worker";
    out.push(
      `      ${nodeId(prefix, w.component)}[${label(`${w.component} (${kind})<br/>${withoutName(w)}`)}]`,
    );
  }
  for (const c of clusters) {
    out.push(
      `      ${nodeId("cluster", c.component)}[[${label(`${c.component}: EC2 capacity<br/>${c.summary.split("; ")[0] ?? ""}`)}]]`,
    );
  }
  // Databases and caches live in the VPC's subnets; a DynamoDB table is a regional service.
  for (const c of stores.filter((s) => s.kind !== "table")) {
    out.push(
      `      ${storeNode(c)}[(${label(`${c.component} ${c.kind}<br/>${withoutName(c).split("; ")[0] ?? ""}`)})]`,
    );
  }
  out.push("    end");
  for (const endpoint of endpoints) {
    const short = str(endpoint.inputs.serviceName)?.split(".").pop();
    const service = short === undefined ? endpoint.name : (SERVICE_NAMES[short] ?? short);
    const kind = str(endpoint.inputs.vpcEndpointType) ?? "Gateway";
    out.push(
      `    ${nodeId("endpoint", endpoint.name)}[(${label(`${service} ${kind.toLowerCase()} endpoint`)})]`,
    );
  }
  out.push("  end");
  for (const c of stores.filter((s) => s.kind === "table")) {
    out.push(
      `  ${storeNode(c)}[(${label(`${c.component} table<br/>${withoutName(c).split("; ")[0] ?? ""}`)})]`,
    );
  }
  for (const w of workloads) {
    for (const queue of queuesOf(w.component, "consumes")) {
      out.push(`  ${nodeId("queue", queue.name)}[(${label(`${w.component} queue (SQS)`)})]`);
    }
  }

  for (const w of workloads) {
    const node = nodeId(w.kind === "service" ? "svc" : "wrk", w.component);
    if (w.kind === "service") {
      out.push(`  internet --> ${nodeId("alb", w.component)} --> ${node}`);
      for (const c of clusters)
        out.push(`  ${node} -. runs on .-> ${nodeId("cluster", c.component)}`);
    }
    if (nat !== undefined && nat.count > 0) out.push(`  ${node} --> nat`);
    for (const endpoint of endpoints)
      out.push(`  ${node} --> ${nodeId("endpoint", endpoint.name)}`);
    for (const queue of queuesOf(w.component, "consumes"))
      out.push(`  ${node} <--> ${nodeId("queue", queue.name)}`);
    for (const queue of queuesOf(w.component, "sends"))
      out.push(`  ${node} -- enqueues --> ${nodeId("queue", queue.name)}`);
  }
  for (const c of stores) {
    for (const user of c.usedBy ?? []) {
      const w = workloads.find((w) => w.component === user);
      if (w !== undefined) {
        out.push(`  ${nodeId(w.kind === "service" ? "svc" : "wrk", user)} --> ${storeNode(c)}`);
      }
    }
  }
  if (nat !== undefined && nat.count > 0) out.push("  nat --> internet");
  return out.join("\n");
}

type QueueUse = "consumes" | "sends";

/**
 * Which workloads use which queues (those with a dead-letter queue), read from the task-role
 * policies rather than from ownership: the program declares the queues before the workloads, and
 * a queue's producers are other components. A statement on the queue's ARN with
 * `sqs:ReceiveMessage` consumes it; one with `sqs:SendMessage` sends to it.
 */
function queueUseByWorkload(
  resources: readonly RecordedResource[],
): Map<string, { queue: RecordedResource; use: QueueUse }[]> {
  const queues = resources.filter(
    (r) => r.type === TYPES.queue && r.inputs.redrivePolicy !== undefined,
  );
  const uses = new Map<string, { queue: RecordedResource; use: QueueUse }[]>();
  for (const policy of resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
    const text = str(policy.inputs.policy);
    if (text === undefined) continue;
    const statements = (JSON.parse(text) as { Statement?: unknown[] }).Statement ?? [];
    const owner = ownerOf(resources, policy).name;
    for (const statement of statements.map(obj)) {
      const actions = [statement.Action].flat();
      const targets = [statement.Resource].flat();
      for (const queue of queues.filter((q) => targets.includes(q.state.arn))) {
        const use = actions.includes("sqs:ReceiveMessage")
          ? "consumes"
          : actions.includes("sqs:SendMessage")
            ? "sends"
            : undefined;
        if (use !== undefined) uses.set(owner, [...(uses.get(owner) ?? []), { queue, use }]);
      }
    }
  }
  return uses;
}

/** The Markdown document `--diagram` writes. */
export function diagramMarkdown(stack: string, resources: readonly RecordedResource[]): string {
  const count = buildInventory(resources).resourceCount;
  return [
    `# vitcord-infra: the \`${stack}\` stack`,
    "",
    `Generated by \`npm run plan -- --stack ${stack} --diagram <file>\` from the ${count} resources`,
    "the program declares for this stack (under the mock engine). Regenerate it rather than edit it.",
    "",
    "```mermaid",
    mermaidFlowchart(resources),
    "```",
    "",
  ].join("\n");
}
