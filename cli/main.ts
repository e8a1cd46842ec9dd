// The operations CLI: `npm run infra -- <command> …` (see `npm run infra -- --help`).
import { processContext } from "./context";
import { main } from "./program";
import { PROJECT_DIR } from "../components/config/stack-files";

// The AWS SDK warns on every run that its 2027 releases need Node 22; this project supports Node 20
// (package.json engines), so that one warning is noise here. Every other warning still prints.
const printWarning = process.listeners("warning");
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (!`${warning.name}: ${warning.message}`.includes("NodeVersionSupportWarning"))
    printWarning.forEach((print) => print(warning));
});

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
