// The operations CLI: `npm run infra -- <command> …` (see `npm run infra -- --help`).
import { processContext } from "./cli/context";
import { main } from "./cli/program";
import { PROJECT_DIR } from "./lib/stack-files";

const abort = new AbortController();
// First Ctrl-C: stop waiting (logs --follow, run) cleanly; a second one exits at once.
process.once("SIGINT", () => {
  abort.abort();
  process.once("SIGINT", () => process.exit(130));
});

main(process.argv.slice(2), processContext(PROJECT_DIR, abort.signal)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // main() catches everything; this is the last resort for a bug in the CLI itself.
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
