// Checks X12 837P files with a parser the project did not write (npm
// node-x12, strict mode: envelope, segment and control counts), then the
// 005010X222A1 situational rules the hub must follow, segment by segment:
//   - every transaction set is 837 / 005010X222A1 (ST03, GS08);
//   - each claim's subscriber (2000B, SBR02 = 18: the patient) has N3 and N4
//     (loop 2010BA) and a DMG with a D8 birth date and a sex code;
//   - a billing provider (2000A) has NM1*85 with an NPI (XX), N3, N4 with a
//     5- or 9-digit ZIP, and REF*EI; a PRV, when present, is PRV*BI*PXC*
//     with a 10-character taxonomy code;
//   - CLM01 is 1 to 20 characters (payers keep and return 20), CLM05 is
//     POS:B:frequency with a 2-digit place of service;
//   - a claim has an HI with 1 to 12 codes, principal ABK, others ABF;
//   - every service line (LX) has SV1 with HC:code, a DTP*472 and a REF*6R
//     line item control number, unique in the file;
//   - a Community Supports line (its claim carries REF*G1) has an
//     authorization number.
// Usage: node x12_837p_check.mjs [--expect-failure] FILE...   (exit 0: all
// pass, or with --expect-failure all fail; 1: otherwise, failures listed;
// 2: usage; 77: node-x12 not installed). Prints "N passed, N failed"
// per file count.
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
  // Not installed (scripts/setup.sh runs `npm ci` in tools/): CTest skips.
  console.error(`node-x12 is not installed in tools/node_modules (run scripts/setup.sh): ${err.message}`);
  process.exit(77);
}

function elements(segment) {
  // node-x12 segments: tag and elements (X12Element with value).
  return segment.elements.map((e) => e.value);
}

function checkTransaction(tx, fileName, lineIds, errors) {
  const where = (i, msg) => errors.push(`${fileName}: segment ${i + 1} of ST ${tx.header.elements[1]?.value}: ${msg}`);
  const st = elements(tx.header);
  if (st[0] !== "837" || st[2] !== "005010X222A1") where(0, "ST is not 837 / 005010X222A1");
  let loop = "";
  let subscriber = null;
  let claim = null;
  let line = null;
  let billing = null;
  const closeLine = () => {
    if (line && !line.dtp) where(line.at, "service line without DTP*472");
    if (line && !line.ref6r) where(line.at, "service line without REF*6R (line item control number)");
    line = null;
  };
  const closeClaim = () => {
    closeLine();
    if (claim && !claim.hi) where(claim.at, "claim without HI (diagnosis)");
    if (claim && claim.lines === 0) where(claim.at, "claim without service lines");
    claim = null;
  };
  const closeSubscriber = () => {
    closeClaim();
    if (subscriber && subscriber.patient && (!subscriber.n3 || !subscriber.n4)) {
      where(subscriber.at, "subscriber who is the patient has no N3/N4 address (2010BA)");
    }
    if (subscriber && subscriber.patient && !subscriber.dmg) {
      where(subscriber.at, "subscriber who is the patient has no DMG (2010BA)");
    }
    subscriber = null;
  };
  const closeBilling = () => {
    closeSubscriber();
    if (billing && (!billing.nm1 || !billing.n3 || !billing.n4 || !billing.ei)) {
      where(billing.at, "billing provider lacks NM1*85 XX, N3, N4 or REF*EI (2010AA)");
    }
    billing = null;
  };
  tx.segments.forEach((seg, i) => {
    const e = elements(seg);
    switch (seg.tag) {
      case "HL":
        if (e[2] === "20") {
          closeBilling();
          billing = { at: i };
          loop = "2010AA";
        } else if (e[2] === "22") {
          closeSubscriber();
          subscriber = { at: i, patient: e[3] === "0" };
          loop = "2000B";
        } else {
          closeSubscriber();
          loop = "other";
        }
        break;
      case "PRV":
        if (e[0] !== "BI" || e[1] !== "PXC" || !/^[0-9A-Z]{9}X$/.test(e[2] || "")) {
          where(i, "PRV is not BI*PXC*<10-character taxonomy>");
        }
        break;
      case "SBR":
        if (subscriber && e[1] !== "18") subscriber.patient = false;
        break;
      case "NM1":
        if (e[0] === "85" && billing) {
          billing.nm1 = e[7] === "XX" && /^\d{10}$/.test(e[8] || "");
          loop = "2010AA";
        } else if (e[0] === "IL") {
          loop = "2010BA";
        } else if (e[0] === "PR") {
          loop = "2010BB";
        }
        break;
      case "N3":
        if (loop === "2010AA" && billing) billing.n3 = true;
        if (loop === "2010BA" && subscriber) subscriber.n3 = true;
        break;
      case "N4":
        if (!/^\d{5}(\d{4})?$/.test(e[2] || "")) where(i, "N4 ZIP is not 5 or 9 digits");
        if (loop === "2010AA" && billing) billing.n4 = true;
        if (loop === "2010BA" && subscriber) subscriber.n4 = true;
        break;
      case "DMG":
        if (e[0] !== "D8" || !/^\d{8}$/.test(e[1] || "") || !/^[FMU]$/.test(e[2] || "")) {
          where(i, "DMG is not D8*CCYYMMDD*F|M|U");
        }
        if (subscriber) subscriber.dmg = true;
        break;
      case "REF":
        if (e[0] === "EI" && billing && !subscriber) billing.ei = /^\d{9}$/.test(e[1] || "");
        if (e[0] === "G1" && claim) {
          if (!e[1]) where(i, "REF*G1 without an authorization number");
          claim.g1 = true;
        }
        if (e[0] === "6R") {
          if (!line) where(i, "REF*6R outside a service line");
          else line.ref6r = true;
          if (lineIds.has(e[1])) where(i, `line item control number ${e[1]} appears twice`);
          lineIds.add(e[1]);
        }
        break;
      case "CLM": {
        closeClaim();
        claim = { at: i, lines: 0 };
        loop = "2300";
        if (!subscriber) where(i, "CLM outside a subscriber loop");
        if (!e[0] || e[0].length > 20) where(i, "CLM01 is not 1 to 20 characters");
        const pos = (e[4] || "").split(":");
        if (!/^\d{2}$/.test(pos[0] || "") || pos[1] !== "B") where(i, "CLM05 is not POS:B:frequency");
        break;
      }
      case "HI":
        if (claim) {
          claim.hi = true;
          if (e.length < 1 || e.length > 12) where(i, "HI must hold 1 to 12 codes");
          e.forEach((c, k) => {
            const q = c.split(":")[0];
            if ((k === 0 && q !== "ABK") || (k > 0 && q !== "ABF")) where(i, "HI qualifiers: ABK then ABF");
          });
        }
        break;
      case "LX":
        closeLine();
        if (!claim) where(i, "LX outside a claim");
        else claim.lines += 1;
        line = { at: i };
        loop = "2400";
        break;
      case "SV1":
        if (!/^HC:[A-Z0-9]{5}/.test(e[0] || "")) where(i, "SV1 is not HC:<HCPCS>");
        break;
      case "DTP":
        if (line && e[0] === "472") line.dtp = true;
        break;
      default:
        break;
    }
  });
  closeBilling();
}

function main() {
  // --expect-failure: every file must fail (the rules' own test, over files
  // broken on purpose).
  const expectFailure = process.argv[2] === "--expect-failure";
  const files = process.argv.slice(expectFailure ? 3 : 2);
  if (files.length === 0) {
    console.error("usage: node x12_837p_check.mjs [--expect-failure] FILE...");
    process.exit(2);
  }
  let passed = 0;
  let failed = 0;
  const lineIds = new Set();
  for (const file of files) {
    const name = path.basename(file);
    const errors = [];
    let claims = 0;
    try {
      const interchange = new X12Parser(true).parse(readFileSync(file, "utf8"));
      for (const group of interchange.functionalGroups) {
        const gs = elements(group.header);
        if (gs[0] !== "HC" || gs[7] !== "005010X222A1") errors.push(`${name}: GS is not HC / 005010X222A1`);
        for (const tx of group.transactions) {
          claims += tx.segments.filter((s) => s.tag === "CLM").length;
          checkTransaction(tx, name, lineIds, errors);
        }
      }
    } catch (err) {
      errors.push(`${name}: node-x12 could not parse it: ${err.message}`);
    }
    if (errors.length === 0) {
      passed += 1;
      console.log(`PASS ${name}: ${claims} claims`);
    } else {
      failed += 1;
      for (const e of errors.slice(0, 20)) console.log(`FAIL ${e}`);
      if (errors.length > 20) console.log(`FAIL ${name}: ... ${errors.length - 20} more`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (expectFailure) process.exit(passed === 0 ? 0 : 1);
  process.exit(failed === 0 ? 0 : 1);
}

main();
