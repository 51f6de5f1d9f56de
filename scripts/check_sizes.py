#!/usr/bin/env python3
"""The size rule of the county hub: no file over 600 lines, no function over 80.

Every .h and .cc below base/, storage/, adapters/, auth/, hub/ and generator/
is checked. A file longer than MAX_FILE_LINES, or a function whose body (from
its opening to its closing brace) is longer than MAX_FUNCTION_LINES, fails the
check unless scripts/size_exceptions.txt lists it with the reason it stays
whole; an exception that no longer applies (the file or function got short,
or went) fails too, so the list stays true.

  scripts/check_sizes.py [ROOT]        check the tree (exit 1 on a break)
  scripts/check_sizes.py --list [ROOT] print every file and function over
                                       the limits, exceptions included
  scripts/check_sizes.py --self-test   check that the scanner finds
                                       functions and the rule bites

Functions are found by a scan of the braces (comments, strings and
character literals removed; preprocessor lines skipped): a brace block that
opens right after a parameter list ")" (optionally followed by const,
override, noexcept, a trailing return type or a constructor's initializer
list) at namespace or class scope is a function body; lambdas count as part
of the function they are in. CTest runs both modes (tests `sizes`,
`sizes_self_test`).
"""

import os
import re
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
FOLDERS = ("base", "storage", "adapters", "auth", "hub", "generator")
SOURCE_EXT = (".h", ".cc")
EXCEPTIONS_FILE = os.path.join("scripts", "size_exceptions.txt")


def strip_code(text):
    """`text` with comments, string and char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(" ")  # A digit separator: 1'000'000.
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    # Preprocessor lines (and their continuations) hold no braces we count.
    lines = "".join(out).split("\n")
    cont = False
    for k, line in enumerate(lines):
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            lines[k] = ""
    return "\n".join(lines)


# What may stand between a parameter list's ")" and the body's "{".
_AFTER_PARAMS = re.compile(
    r"\)\s*(?:const\s*|override\s*|final\s*|noexcept(?:\([^()]*\))?\s*|mutable\s*|&\s*|&&\s*)*"
    r"(?:->\s*[\w:<>,\s*&]+?\s*)?$")
_INIT_LIST = re.compile(r"\)\s*:\s*[\w:]+\s*[({]", re.S)
_NAME = re.compile(r"([~\w:]+(?:<[^<>()]*>)?|operator\s*[^\s(]+)\s*\($")


def functions(text):
    """(name, first_line, body_lines) of each function defined in `text`."""
    code = strip_code(text)
    found = []
    # Scope stack entries: ("func"|"scope"|"block", start_offset, name).
    stack = []
    stmt_start = 0
    depth_paren = 0
    for i, c in enumerate(code):
        if c == "(":
            depth_paren += 1
        elif c == ")":
            depth_paren = max(0, depth_paren - 1)
        elif c == "{":
            in_func = any(kind == "func" for kind, _, _ in stack)
            head = code[stmt_start:i]
            kind, name = "block", ""
            if (not in_func and depth_paren == 0 and re.search(r"\w\s*$", head) and
                    _INIT_LIST.search(head)):
                # A member's brace initializer in a constructor's initializer
                # list: the body comes after it.
                stack.append(("init", i, ""))
                continue
            if not in_func and depth_paren == 0:
                kind = "scope"
                sig = head.rstrip()
                open_paren = _param_list_start(sig)
                if open_paren is not None and (_AFTER_PARAMS.search(sig) or
                                               _INIT_LIST.search(sig[open_paren:])):
                    before = sig[:open_paren + 1]
                    m = _NAME.search(before.rstrip())
                    if m and not re.search(r"\b(if|for|while|switch|catch|return)\s*\($",
                                           before.rstrip()):
                        kind, name = "func", m.group(1)
            stack.append((kind, i, name))
            stmt_start = i + 1
        elif c == "}":
            if stack:
                kind, start, name = stack.pop()
                if kind == "init":
                    continue
                if kind == "func":
                    first = code.count("\n", 0, start) + 1
                    last = code.count("\n", 0, i) + 1
                    found.append((name, first, last - first + 1))
            stmt_start = i + 1
        elif c == ";" and depth_paren == 0:
            stmt_start = i + 1
    return found


def _param_list_start(sig):
    """Offset of the "(" that opens the last top-level parameter list in `sig`."""
    # The parameter list is the first top-level (...) group after the name;
    # for a constructor with an initializer list, the one before the ":".
    depth = 0
    first_open = None
    for k, ch in enumerate(sig):
        if ch == "(":
            if depth == 0 and first_open is None:
                first_open = k
            depth += 1
        elif ch == ")":
            depth -= 1
    return first_open


def source_files(root):
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames[:] = sorted(d for d in dirnames if d not in ("node_modules", "build"))
            for f in sorted(filenames):
                if f.endswith(SOURCE_EXT):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def load_exceptions(root):
    """{key: reason}; key is a path or "path:Function"."""
    exceptions = {}
    path = os.path.join(root, EXCEPTIONS_FILE)
    if not os.path.exists(path):
        return exceptions
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, reason = line.partition(" ")
            if not reason.strip():
                raise SystemExit(f"{EXCEPTIONS_FILE}:{number}: {key} needs a reason after it")
            exceptions[key] = reason.strip()
    return exceptions


def measure(root):
    """{key: (lines, limit)} of everything over its limit."""
    over = {}
    for rel in source_files(root):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = text.count("\n")
        if lines > MAX_FILE_LINES:
            over[rel] = (lines, MAX_FILE_LINES)
        for name, _, body in functions(text):
            if body > MAX_FUNCTION_LINES:
                key = f"{rel}:{name}"
                # Overloads of one name: the longest counts.
                if key not in over or over[key][0] < body:
                    over[key] = (body, MAX_FUNCTION_LINES)
    return over


def check(root, list_all=False):
    over = measure(root)
    exceptions = load_exceptions(root)
    if list_all:
        for key, (lines, limit) in sorted(over.items()):
            note = f"  [exception: {exceptions[key]}]" if key in exceptions else ""
            print(f"{key}: {lines} lines (limit {limit}){note}")
        return 0
    errors = []
    for key, (lines, limit) in sorted(over.items()):
        if key not in exceptions:
            what = "file" if ":" not in key else "function"
            errors.append(f"{key}: {what} of {lines} lines, over {limit}: cut it at its seams, or "
                          f"add it to {EXCEPTIONS_FILE} with the reason it stays whole")
    for key in sorted(exceptions):
        if key not in over:
            errors.append(f"{EXCEPTIONS_FILE}: {key} is no longer over its limit (or is gone): "
                          "remove its line")
    for e in errors:
        print(e)
    if not errors:
        print(f"sizes: no file over {MAX_FILE_LINES} lines, no function over "
              f"{MAX_FUNCTION_LINES}, except the {len(exceptions)} listed with reasons")
    return 1 if errors else 0


def self_test():
    sample = '''
namespace hub {
namespace {
// a comment with { braces }
int Small(int a) { return a; }
const char* kText = "}{";
struct S {
  int Inline() const { return 1; }
  S() : x_(0) {}
  int x_;
};
}  // namespace
absl::StatusOr<int> Outer::Method(const std::vector<int>& v,
                                  int n) const {
  auto lambda = [&](int x) {
    if (x) { return 1; }
    return 0;
  };
  for (int i : v) {
    if (i) {
      n++;
    }
  }
  return n;
}
Outer::Outer(int a) : a_(a), b_{a} {
  Init();
}
}  // namespace hub
'''
    got = {name: (line, body) for name, line, body in functions(sample)}
    want = {"Small": (5, 1), "Inline": (8, 1), "S": (9, 1), "Outer::Method": (14, 12),
            "Outer::Outer": (26, 3)}
    ok = True
    for name, value in want.items():
        if got.get(name) != value:
            print(f"self-test: {name}: want (line, body lines) {value}, got {got.get(name)}")
            ok = False
    for name in got:
        if name not in want:
            print(f"self-test: {name} taken for a function")
            ok = False
    long_body = "int Long() {\n" + "  x();\n" * (MAX_FUNCTION_LINES) + "}\n"
    if [b for _, _, b in functions(long_body)] != [MAX_FUNCTION_LINES + 2]:
        print("self-test: a long function was not measured")
        ok = False
    # The rule bites on a tree: a long file fails, its exception lets it
    # pass, and a stale exception fails.
    import contextlib
    import io
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "hub", "x"))
        os.makedirs(os.path.join(root, "scripts"))
        with open(os.path.join(root, "hub", "x", "big.cc"), "w") as f:
            f.write("// line\n" * (MAX_FILE_LINES + 1))
        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet):
            failed_without = check(root) == 1
            with open(os.path.join(root, EXCEPTIONS_FILE), "w") as f:
                f.write("hub/x/big.cc a reason\n")
            passed_with = check(root) == 0
            with open(os.path.join(root, EXCEPTIONS_FILE), "a") as f:
                f.write("hub/x/gone.cc a stale reason\n")
            failed_stale = check(root) == 1
        if not (failed_without and passed_with and failed_stale):
            print("self-test: the rule did not bite on a tree: "
                  f"{failed_without=} {passed_with=} {failed_stale=}")
            ok = False
    print("sizes self-test: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv):
    args = argv[1:]
    if args and args[0] == "--self-test":
        return self_test()
    list_all = bool(args) and args[0] == "--list"
    if list_all:
        args = args[1:]
    root = args[0] if args else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return check(root, list_all)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
