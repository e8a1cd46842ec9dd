import { databaseVariablePrefix } from "./config/uses";

/**
 * The one `DATABASE_URL` an app may want, built from the variables a database gives its users
 * (`DATABASE_HOST`, `_PORT`, `_NAME`, `_USER`, `_PASSWORD`): the recipe docs/components.md gives
 * for Rails and Spring, pinned by tests. The user and the password are percent-encoded, since the
 * password RDS generates may contain characters a URL reserves (`:`, `#`, `?`, `%`); TLS is
 * required, as the database's parameter group forces it anyway.
 */
export function databaseUrl(
  environment: Readonly<Record<string, string | undefined>>,
  database = "main",
): string {
  const prefix = databaseVariablePrefix(database);
  const get = (part: string): string => {
    const value = environment[`${prefix}_${part}`];
    if (value === undefined || value === "") {
      throw new Error(`${prefix}_${part} is not set: the workload must list ${database} in uses`);
    }
    return value;
  };
  const user = encodeURIComponent(get("USER"));
  const password = encodeURIComponent(get("PASSWORD"));
  const name = encodeURIComponent(get("NAME"));
  return `postgres://${user}:${password}@${get("HOST")}:${get("PORT")}/${name}?sslmode=require`;
}

/** Spring's JDBC URL from the same variables; user and password go in their own properties. */
export function springDatasourceUrl(
  environment: Readonly<Record<string, string | undefined>>,
  database = "main",
): string {
  const prefix = databaseVariablePrefix(database);
  const host = environment[`${prefix}_HOST`];
  const port = environment[`${prefix}_PORT`];
  const name = environment[`${prefix}_NAME`];
  if (!host || !port || !name) {
    throw new Error(`${prefix}_HOST, _PORT and _NAME must be set: list ${database} in uses`);
  }
  return `jdbc:postgresql://${host}:${port}/${name}?sslmode=require`;
}
