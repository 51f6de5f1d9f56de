// Parses X12 files with a parser the project did not write (npm node-x12,
// strict mode: envelope, segment and control counts) and checks that each
// transaction set's ST01 is one the file's name announces (999, 277, 835,
// 837). Used for the plans' answer files the hub reads (golden files).
// Usage: node x12_parse_check.mjs FILE...   (exit 0: all parse; 1: failures,
// listed; 2: usage; 77: node-x12 not installed).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "tools", "package.json"));
let X12Parser;
try {
  ({ X12Parser } = require("node-x12"));
} catch (err) {
  console.error(`node-x12 is not installed in tools/node_modules (run scripts/setup.sh): ${err.message}`);
  process.exit(77);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node x12_parse_check.mjs FILE...");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  const name = path.basename(file);
  try {
    const interchange = new X12Parser(true).parse(readFileSync(file, "utf8"));
    let sets = 0;
    for (const group of interchange.functionalGroups) {
      for (const tx of group.transactions) {
        const st01 = tx.header.elements[0].value;
        if (!name.startsWith(st01)) throw new Error(`ST01 ${st01} does not match the file name`);
        sets += 1;
      }
    }
    if (sets === 0) throw new Error("no transaction set");
    console.log(`PASS ${name}: ${sets} transaction sets`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}: ${err.message}`);
  }
}
console.log(`${files.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
