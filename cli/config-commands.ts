// Heroku's config vars and maintenance mode: config, config:set, config:unset, maintenance.
import type { Command } from "commander";
import type { Runner } from "./command-helpers";
import type { CliContext } from "./context";

export function registerConfigCommands(_program: Command, _ctx: CliContext, _run: Runner): void {
  // config, config:set, config:unset and maintenance are registered here (issue 14).
}
