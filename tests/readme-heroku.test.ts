// The README's "Coming from Heroku" cheat-sheet: each Heroku command a team lives in has its row,
// and every command a row names is one the CLI has.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli } from "./cli-context";

const README = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

/** The cheat-sheet's rows: [Heroku column, here column]. */
function cheatSheet(): [string, string][] {
  const section = README.slice(README.indexOf("## Coming from Heroku"));
  const table = section.slice(0, section.indexOf("\n\n", section.indexOf("| On Heroku")));
  return table
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| On Heroku"))
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .map((cells) => [cells[1]!, cells[2]!] as [string, string])
    .filter(([heroku]) => !/^-+$/.test(heroku));
}

describe("README: the Heroku cheat-sheet", () => {
  it("has a row for each Heroku command the team uses day to day", () => {
    const herokuColumn = cheatSheet()
      .map(([heroku]) => heroku)
      .join(" ");
    for (const command of [
      "heroku config",
      "heroku config:set",
      "heroku config:unset",
      "heroku ps",
      "heroku ps:restart",
      "heroku ps:exec",
      "heroku ps:scale",
      "heroku logs --tail",
      "heroku run",
      "heroku maintenance:on",
      "heroku releases",
      "heroku rollback",
      "heroku pipelines:promote",
    ]) {
      assert.ok(herokuColumn.includes(`\`${command}`), command);
    }
  });

  it("names only commands the CLI has", async () => {
    const help = (await runCli(["--help"])).stdout;
    const listed = help.slice(help.indexOf("Commands:")).split("\n").slice(1);
    const commands = new Set(listed.map((line) => line.trim().split(" ")[0]!).filter(Boolean));
    assert.ok(commands.has("config:set") && commands.has("maintenance"), [...commands].join());
    for (const [heroku, here] of cheatSheet()) {
      if (here.startsWith("no command")) continue;
      const named = [...here.matchAll(/(?:^|[\s(])`([a-z][a-z:]*) /g)].map((m) => m[1]!);
      assert.ok(named.length > 0, heroku);
      for (const name of named) assert.ok(commands.has(name), `${heroku}: ${name}`);
    }
  });
});
