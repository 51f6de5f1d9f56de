#!/usr/bin/env python3
"""The layering rule of the county hub, checked include by include.

Every quoted #include in the project's own C++ sources must point at a
folder its own folder may use (the table below, which is the README's
"Layering" section in code). Run with the repository root (default: this
script's parent folder); exits 1 and names each offending include when the
rule is broken, so a newcomer sees where the line is and why it is wrong.

  scripts/check_layers.py [ROOT]      check the tree
  scripts/check_layers.py --self-test check that the checker catches breaks

CTest runs both (test `layering`).
"""

import os
import re
import sys

# Our own top-level include roots. "hub/v1/" is the generated contract
# (protos/), not hub/. Anything else ("absl/", "gtest/", "google/") is a
# third-party library and not this table's business, except RocksDB, which
# stays inside storage/.
PROTOS = "hub/v1/"
OWN_ROOTS = ("base/", "storage/", "adapters/", "auth/", "generator/", "hub/", "tests/", "bench/")

HUB_FEATURES = ("directory", "ingest", "submit", "feed", "export", "views", "monitor", "reports")

# folder -> the include prefixes it may use (its own folder always allowed).
# Longest matching folder wins.
RULES = {
    "base/": ["base/"],
    "storage/": ["base/", PROTOS],
    "adapters/": ["base/", PROTOS],
    "auth/": ["base/", "storage/", PROTOS],
    "generator/": ["base/", "adapters/", PROTOS],
    "hub/common/": ["base/", "storage/", "adapters/", "auth/", PROTOS],
    # Feature rooms: common and the layers below, not each other...
    **{f"hub/{room}/": ["base/", "storage/", "adapters/", "auth/", PROTOS, "hub/common/"]
       for room in HUB_FEATURES},
    "hub/rpc/": ["base/", "storage/", "adapters/", "auth/", PROTOS, "hub/common/"]
                + [f"hub/{room}/" for room in HUB_FEATURES],
    "hub/server/": ["base/", "storage/", "adapters/", "auth/", PROTOS, "hub/common/", "hub/rpc/"]
                   + [f"hub/{room}/" for room in HUB_FEATURES],
    # hubctl is a client of the public contract: protos, base, the TLS
    # credentials, and the one header where absl and gRPC statuses meet.
    "hub/cli/": ["base/", PROTOS, "auth/tls.h", "hub/common/rpc_status.h"],
    "tests/": list(OWN_ROOTS) + [PROTOS],
    "bench/": list(OWN_ROOTS) + [PROTOS],
}

# ...except where documented (hub/CMakeLists.txt says why).
EXCEPTIONS = {
    # A monthly file discloses exactly what the feed would (Part 2 rules).
    ("hub/export/", "hub/feed/feed_disclosure.h"),
    # A FHIR export or quarterly report discloses a Part 2 record exactly
    # when the feed would (the same consent rules, one implementation).
    ("hub/reports/", "hub/feed/feed_disclosure.h"),
}

# RocksDB never leaks out of storage/ (tests may open a store to tamper
# with it on purpose).
ROCKSDB_ALLOWED = ("storage/", "tests/")

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
SOURCE_EXT = (".h", ".cc")
SKIP_DIRS = {"build", "node_modules", ".git"}


def folder_rule(path):
    """The RULES key of the longest folder that holds `path`, or None."""
    best = None
    for folder in RULES:
        if path.startswith(folder) and (best is None or len(folder) > len(best)):
            best = folder
    return best


def own_folder(path):
    """The folder an include of `path` counts as its own (hub/<room>/ or top)."""
    parts = path.split("/")
    if parts[0] == "hub" and len(parts) > 2:
        return f"hub/{parts[1]}/"
    return parts[0] + "/"


def violations(path, text):
    """Yields (line, include, why) for each include in `text` that `path` may not use."""
    rule = folder_rule(path)
    if rule is None:
        return
    allowed = RULES[rule]
    mine = own_folder(path)
    for m in INCLUDE.finditer(text):
        inc = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        if inc.startswith("rocksdb/"):
            if not path.startswith(ROCKSDB_ALLOWED):
                yield line, inc, "RocksDB stays inside storage/"
            continue
        if not inc.startswith(OWN_ROOTS) or inc.startswith(PROTOS):
            if inc.startswith(PROTOS) and PROTOS not in allowed and mine != PROTOS:
                yield line, inc, f"{rule} may not use the protos"
            continue
        if inc.startswith(mine):
            continue
        if any(inc.startswith(a) for a in allowed):
            continue
        if any(path.startswith(f) and inc == h for f, h in EXCEPTIONS):
            continue
        yield line, inc, f"{rule} may use only {', '.join(allowed)}"


def check_tree(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not name.endswith(SOURCE_EXT):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            with open(full, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for line, inc, why in violations(rel, text):
                found.append(f"{rel}:{line}: #include \"{inc}\": {why}")
    return found


def self_test():
    """Each case: (path, include, should it be refused?)."""
    cases = [
        ("hub/submit/submit_pipeline.cc", "hub/common/log.h", False),
        ("hub/submit/submit_pipeline.cc", "hub/submit/flow_recorder.h", False),
        ("hub/submit/submit_pipeline.cc", "hub/monitor/monitor.h", True),
        ("hub/submit/submit_pipeline.cc", "hub/rpc/plan_service.h", True),
        ("hub/common/log.cc", "hub/feed/feed_notifier.h", True),
        ("hub/export/file_export.h", "hub/feed/feed_disclosure.h", False),
        ("hub/export/file_export.h", "hub/feed/feed_notifier.h", True),
        ("hub/rpc/plan_service.cc", "hub/server/server.h", True),
        ("hub/rpc/plan_service.cc", "hub/ingest/ingest.h", False),
        ("hub/server/server.cc", "hub/cli/hubctl.h", True),
        ("hub/cli/hubctl.cc", "hub/common/rpc_status.h", False),
        ("hub/cli/hubctl.cc", "hub/common/log.h", True),
        ("hub/cli/hubctl.cc", "auth/tls.h", False),
        ("hub/cli/hubctl.cc", "auth/policy.h", True),
        ("hub/cli/hubctl.cc", "storage/store.h", True),
        ("adapters/plan_adapter.cc", "storage/store.h", True),
        ("adapters/plan_adapter.cc", "hub/common/log.h", True),
        ("storage/store.cc", "hub/common/log.h", True),
        ("storage/store.cc", "rocksdb/db.h", False),
        ("auth/policy.cc", "hub/rpc/audit_interceptor.h", True),
        ("hub/monitor/monitor.cc", "rocksdb/db.h", True),
        ("base/civil_date.cc", "hub/v1/care.pb.h", True),
        ("tests/hub/feed_test.cc", "hub/cli/hubctl.h", False),
    ]
    bad = []
    for path, inc, refused in cases:
        got = any(True for _ in violations(path, f'#include "{inc}"\n'))
        if got != refused:
            bad.append(f"{path} including {inc}: expected {'refused' if refused else 'allowed'}")
    return bad


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        bad = self_test()
        for b in bad:
            print(f"self-test: {b}")
        print("self-test: ok" if not bad else f"self-test: {len(bad)} failures")
        return 1 if bad else 0
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = check_tree(root)
    for f in found:
        print(f)
    if found:
        print(f"{len(found)} includes break the layering rule (scripts/check_layers.py, README 'Layering')")
        return 1
    print("layering: every include follows the rule")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
