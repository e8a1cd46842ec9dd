// `npm test`: the type-check and the unit tests side by side. Each alone leaves a core idle part of
// the time (tsc waits on the disk, mocha's two workers on the processes some tests start), so
// together they finish sooner than one after the other. Mocha's output streams as it comes; the
// type-check's is printed once mocha is done, and the exit code is non-zero if either failed.
// Arguments go to mocha (e.g. `npm test -- --grep manifest`).
"use strict";
const { spawn } = require("node:child_process");
const path = require("node:path");

const root = path.join(__dirname, "..");
const bin = (pkg, file) => path.join(root, "node_modules", pkg, file);

function run(args, options) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, ...options });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

(async () => {
  const typecheck = run(
    [bin("typescript-native", "bin/tsc"), "--noEmit", "-p", "tsconfig.typecheck.json"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const unit = run([bin("mocha", "bin/mocha.js"), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  const [types, tests] = await Promise.all([typecheck, unit]);
  process.stdout.write(
    types.code === 0
      ? "typecheck (tsconfig.typecheck.json): no errors\n"
      : `typecheck (tsconfig.typecheck.json) failed:\n${types.output}`,
  );
  process.exitCode = types.code !== 0 ? types.code : tests.code;
})();
