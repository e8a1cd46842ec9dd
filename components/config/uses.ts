import { z } from "zod";
import { strictObject } from "./schema-helpers";
import { tableEnvironmentName } from "./tables";

/**
 * The `uses` key of web services and workers: the data stores (databases, tables, caches) a
 * workload reaches. An item is a store's name, or `{ database: <name> }`, `{ table: <name>,
 * access: read | readWrite }`, `{ cache: <name> }`. Each resolves to one configured store, and the
 * workload gets exactly that store's network access, IAM and connection settings.
 */

export const STORE_KINDS = ["database", "table", "cache"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The stack config map each kind lives in. */
export const STORE_MAPS: Readonly<Record<StoreKind, "databases" | "tables" | "caches">> = {
  database: "databases",
  table: "tables",
  cache: "caches",
};

const ACCESS_LEVELS = ["read", "readWrite"] as const;
/** The same levels as `DataAccess` (components/data-access.ts); config does not import components. */
export type DataAccess = (typeof ACCESS_LEVELS)[number];
const storeNameMessage = "must be a data store's name (a key of databases, tables or caches)";
const storeName = z.string({ error: storeNameMessage }).min(1, { error: storeNameMessage });
const accessOnNetworkStore =
  "applies to tables only: a database or cache grants network access and its connection settings, nothing finer";

// `access` is accepted on a database or cache only to be refused with a message that says why.
const useItemSchema = z.union(
  [
    storeName,
    strictObject({ database: storeName, access: z.unknown().optional() }),
    strictObject({
      table: storeName,
      access: z
        .enum(ACCESS_LEVELS, { error: `must be one of: ${ACCESS_LEVELS.join(", ")}` })
        .optional(),
    }),
    strictObject({ cache: storeName, access: z.unknown().optional() }),
  ],
  {
    error:
      "must be a data store's name, or { database: <name> }, { table: <name>, access: read | readWrite }, { cache: <name> }",
  },
);

export type UseItem = z.output<typeof useItemSchema>;

export const usesSchema = z
  .array(useItemSchema, { error: "must be a list of data store names or { kind: name } items" })
  .default([])
  .describe(
    "The data stores this workload uses: a name from `databases`, `tables` or `caches`, or `{ database: <name> }`, `{ table: <name>, access: read | readWrite }` (readWrite by default), `{ cache: <name> }`. The workload gets network access to it, IAM on exactly it, and its connection settings as environment variables and secrets (docs/components.md).",
  );

/** One `uses` item resolved against the stack's stores. */
export interface ResolvedUse {
  readonly kind: StoreKind;
  readonly name: string;
  readonly access: DataAccess;
}

/** The stores a stack configures, by kind (only the names matter here). */
export interface ConfiguredStores {
  readonly databases?: Readonly<Record<string, unknown>>;
  readonly tables?: Readonly<Record<string, unknown>>;
  readonly caches?: Readonly<Record<string, unknown>>;
}

/** The kinds that have a store of this name. */
function kindsNamed(name: string, stores: ConfiguredStores): StoreKind[] {
  return STORE_KINDS.filter((kind) => Object.hasOwn(stores[STORE_MAPS[kind]] ?? {}, name));
}

function configured(stores: ConfiguredStores): string {
  return STORE_KINDS.map((kind) => {
    const names = Object.keys(stores[STORE_MAPS[kind]] ?? {});
    return `${STORE_MAPS[kind]}: ${names.length > 0 ? names.join(", ") : "none"}`;
  }).join("; ");
}

/** What an item names, or the problem with it (the path is relative to the item). */
export function resolveUse(
  item: UseItem,
  stores: ConfiguredStores,
): ResolvedUse | { readonly problem: string; readonly path: readonly string[] } {
  if (typeof item === "string") {
    const kinds = kindsNamed(item, stores);
    if (kinds.length === 1) return { kind: kinds[0]!, name: item, access: "readWrite" };
    if (kinds.length === 0) {
      return { path: [], problem: `must name a configured data store (${configured(stores)})` };
    }
    return {
      path: [],
      problem: `names more than one store (${kinds.map((k) => `${STORE_MAPS[k]}.${item}`).join(", ")}); write { ${kinds[0]}: ${item} } instead`,
    };
  }
  const kind = STORE_KINDS.find((k) => k in item)!;
  const name = (item as Record<StoreKind, string>)[kind];
  if (kind !== "table" && item.access !== undefined) {
    return { path: ["access"], problem: accessOnNetworkStore };
  }
  if (!Object.hasOwn(stores[STORE_MAPS[kind]] ?? {}, name)) {
    const names = Object.keys(stores[STORE_MAPS[kind]] ?? {});
    return {
      path: [kind],
      problem: `must name a ${kind} in vitcord-infra:${STORE_MAPS[kind]} (configured: ${names.length > 0 ? names.join(", ") : "none"})`,
    };
  }
  const access =
    kind === "table" ? ((item.access as DataAccess | undefined) ?? "readWrite") : "readWrite";
  return { kind, name, access };
}

/** The stores a workload uses, resolved; the stack schema has already refused bad items. */
export function resolvedUses(uses: readonly UseItem[], stores: ConfiguredStores): ResolvedUse[] {
  return uses.flatMap((item) => {
    const resolved = resolveUse(item, stores);
    return "problem" in resolved ? [] : [resolved];
  });
}

/** `notifications-v2` → `NOTIFICATIONS_V2`. */
function upperName(name: string): string {
  return name.toUpperCase().replace(/-/g, "_");
}

/** `DATABASE` for the database named `main`, `<NAME>_DATABASE` for any other. */
export function databaseVariablePrefix(name: string): string {
  return name === "main" ? "DATABASE" : `${upperName(name)}_DATABASE`;
}

/** `REDIS` for the cache named `main`, `<NAME>_REDIS` for any other. */
export function cacheVariablePrefix(name: string): string {
  return name === "main" ? "REDIS" : `${upperName(name)}_REDIS`;
}

/** The environment and secret names a store gives each workload that uses it. */
export function storeVariables(
  kind: StoreKind,
  name: string,
): { readonly environment: readonly string[]; readonly secrets: readonly string[] } {
  switch (kind) {
    case "database": {
      const prefix = databaseVariablePrefix(name);
      return {
        environment: ["HOST", "PORT", "NAME", "USER"].map((part) => `${prefix}_${part}`),
        secrets: [`${prefix}_PASSWORD`],
      };
    }
    case "table":
      return { environment: [tableEnvironmentName(name)], secrets: [] };
    case "cache": {
      const prefix = cacheVariablePrefix(name);
      return { environment: [`${prefix}_URL`], secrets: [`${prefix}_AUTH_TOKEN`] };
    }
  }
}

interface Workload {
  readonly uses: readonly UseItem[];
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
}

/** What the cross-check reads from the whole stack config. */
export interface StackUses extends ConfiguredStores {
  readonly services: Readonly<Record<string, Workload>>;
  readonly workers: Readonly<Record<string, Workload>>;
}

/**
 * The rules of `uses`, for the stack schema's superRefine: store names are unique across the
 * three maps (a bare name names one), every item names a configured store, a store is listed
 * once, and the variables it gives do not collide with the workload's own environment/secrets.
 */
export function checkDataStoreUses(config: StackUses, ctx: z.RefinementCtx): void {
  const seen = new Map<string, StoreKind>();
  for (const kind of STORE_KINDS) {
    for (const name of Object.keys(config[STORE_MAPS[kind]] ?? {})) {
      const first = seen.get(name);
      if (first === undefined) seen.set(name, kind);
      else {
        ctx.addIssue({
          code: "custom",
          path: [STORE_MAPS[kind], name],
          message: `has the name of a ${first} (${STORE_MAPS[first]}.${name}); data store names must be unique across databases, tables and caches`,
        });
      }
    }
  }

  for (const area of ["services", "workers"] as const) {
    for (const [workload, settings] of Object.entries(config[area])) {
      const taken = new Map<string, number>();
      settings.uses.forEach((item, i) => {
        const resolved = resolveUse(item, config);
        if ("problem" in resolved) {
          ctx.addIssue({
            code: "custom",
            path: [area, workload, "uses", i, ...resolved.path],
            message: resolved.problem,
          });
          return;
        }
        const key = `${resolved.kind}:${resolved.name}`;
        const earlier = taken.get(key);
        if (earlier !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [area, workload, "uses", i],
            message: `lists the ${resolved.kind} ${resolved.name} again (uses.${earlier}); list each store once`,
          });
          return;
        }
        taken.set(key, i);
        const variables = storeVariables(resolved.kind, resolved.name);
        for (const variable of [...variables.environment, ...variables.secrets]) {
          for (const own of ["environment", "secrets"] as const) {
            if (Object.hasOwn(settings[own], variable)) {
              ctx.addIssue({
                code: "custom",
                path: [area, workload, own, variable],
                message: `is set by uses (the ${resolved.kind} ${resolved.name} gives ${variable}); remove it or rename it`,
              });
            }
          }
        }
      });
    }
  }
}
