// The project's TypeScript loader: `node -r ./scripts/register-ts.js <file>.ts` (npm run plan,
// infra, bench, docs, and mocha). It compiles each .ts file on require with swc (@swc/core, hooked
// in by pirates), as tsconfig.json says: ES2022, CommonJS, class fields defined (ES2022's default
// for useDefineForClassFields), legacy decorators (experimentalDecorators). Type-checking is
// `npm run typecheck`'s job.
//
// Why not @swc-node/register, which does the same: it loads the TypeScript compiler (~0.2 s) only
// to read tsconfig.json, a fifth of a whole `npm run plan`. tests/ts-loader.test.ts checks that
// these options and tsconfig.json agree, so the two cannot drift apart.
//
// Inline source maps are made only when Node applies them (`node --enable-source-maps`, as the
// tests run): they cost the plan a tenth of its time otherwise.
"use strict";
const { addHook } = require("pirates");
const { transformSync } = require("@swc/core");

/** @param {string} filename @param {boolean} sourceMaps */
function swcOptions(filename, sourceMaps) {
  return {
    filename,
    swcrc: false,
    configFile: false,
    sourceMaps: sourceMaps ? "inline" : false,
    module: { type: "commonjs" },
    jsc: {
      parser: { syntax: "typescript", decorators: true },
      target: "es2022",
      transform: { legacyDecorator: true, useDefineForClassFields: true },
    },
  };
}

addHook(
  (code, filename) =>
    transformSync(code, swcOptions(filename, process.sourceMapsEnabled === true)).code,
  { exts: [".ts"], ignoreNodeModules: true },
);

module.exports = { swcOptions };
