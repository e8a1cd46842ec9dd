import type { EngineEvent, OpMap } from "@pulumi/pulumi/automation";
import type { Writer } from "./context";

/** The change counts a summary shows, folded from Pulumi's per-operation map. */
export interface ChangeCounts {
  readonly created: number;
  readonly updated: number;
  readonly replaced: number;
  readonly deleted: number;
  readonly unchanged: number;
}

export function countChanges(ops: OpMap | undefined): ChangeCounts {
  const n = (op: keyof OpMap) => ops?.[op] ?? 0;
  return {
    created: n("create") + n("import"),
    updated: n("update") + n("refresh"),
    replaced: n("replace"),
    deleted: n("delete"),
    unchanged: n("same") + n("read"),
  };
}

/** 75 → "1m 15s", 4.2 → "4s". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m ${whole % 60}s` : `${whole}s`;
}

export function formatChanges(counts: ChangeCounts): string {
  return (
    `${counts.created} created, ${counts.updated} updated, ${counts.replaced} replaced, ` +
    `${counts.deleted} deleted, ${counts.unchanged} unchanged`
  );
}

/** Verbs for the progress line, by engine operation. */
const VERBS: Partial<Record<string, string>> = {
  create: "creating",
  update: "updating",
  delete: "deleting",
  replace: "replacing",
  "create-replacement": "creating replacement",
  "delete-replaced": "deleting replaced",
  refresh: "refreshing",
  read: "reading",
  import: "importing",
};

/** `urn:pulumi:dev::vitcord-infra::aws:ecs/service:Service::api` → `api`. */
function resourceName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/**
 * Turns the engine's event stream into a live progress line: rewritten in place on a terminal,
 * one line per changed resource otherwise (CI logs), errors and warnings as they come.
 */
export class Progress {
  private done = 0;
  private readonly inFlight = new Map<string, string>();
  /** Seconds the engine reports in its summary event, once the operation ends. */
  durationSeconds?: number;

  constructor(
    private readonly out: Writer,
    private readonly label: string,
  ) {}

  readonly onEvent = (event: EngineEvent): void => {
    const pre = event.resourcePreEvent?.metadata;
    if (pre !== undefined && pre.type !== "pulumi:pulumi:Stack") {
      if (pre.op !== "same")
        this.inFlight.set(pre.urn, `${VERBS[pre.op] ?? pre.op} ${resourceName(pre.urn)}`);
      else this.done++;
      this.render(
        pre.op === "same"
          ? undefined
          : `${VERBS[pre.op] ?? pre.op} ${resourceName(pre.urn)} (${pre.type})`,
      );
    }
    const finished = event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
    if (finished !== undefined && this.inFlight.delete(finished.urn)) {
      this.done++;
      if (!this.out.isTTY && finished.op !== "same") {
        const failed = event.resOpFailedEvent !== undefined ? " FAILED" : "";
        this.out.write(
          `  ${finished.op} ${resourceName(finished.urn)} (${finished.type})${failed}\n`,
        );
      }
      this.render();
    }
    const diag = event.diagnosticEvent;
    if (
      diag !== undefined &&
      !diag.ephemeral &&
      (diag.severity === "error" || diag.severity === "warning")
    ) {
      this.clearLine();
      const where = diag.urn !== undefined ? ` ${resourceName(diag.urn)}` : "";
      this.out.write(`${diag.severity}${where}: ${diag.message.trim()}\n`);
    }
    const policy = event.policyEvent;
    if (policy !== undefined) {
      this.clearLine();
      this.out.write(
        `policy ${policy.enforcementLevel} ${policy.policyPackName}/${policy.policyName}: ${policy.message.trim()}\n`,
      );
    }
    if (event.summaryEvent !== undefined) this.durationSeconds = event.summaryEvent.durationSeconds;
  };

  /** Ends the live line so that the summary starts on a fresh one. */
  finish(): void {
    this.clearLine();
  }

  private render(current?: string): void {
    if (!this.out.isTTY) return;
    const latest = current ?? [...this.inFlight.values()].pop() ?? "";
    const line = `${this.label}: ${this.done} done, ${this.inFlight.size} in progress${latest ? ` · ${latest}` : ""}`;
    this.out.write(`\r\x1b[K${line.slice(0, 160)}`);
  }

  private clearLine(): void {
    if (this.out.isTTY) this.out.write("\r\x1b[K");
  }
}
