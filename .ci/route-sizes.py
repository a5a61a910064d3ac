#!/usr/bin/env python3
"""Sizes of the web layer's route code: lines per route file and per function in it.

Usage: .ci/route-sizes.py [--max-fn 50] [--max-file 400] [--allow routes/admin.rs ...] [--top 10]

Reads every .rs file under src/web/routes and prints the longest files and functions. Exits 1 when a
file over --max-file lines or a function over --max-fn lines is found outside the --allow list
(paths relative to src/web; files other owners are still splitting). A function counts from its
`fn` line to its closing brace, both included; attributes and doc comments above it do not count.
Test modules (`#[cfg(test)]`) count towards the file but not as handlers.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROUTES = ROOT / "src" / "web" / "routes"
FN = re.compile(r"^(\s*)(pub(\([a-z]+\))?\s+)?(async\s+)?fn\s+([A-Za-z0-9_]+)")


def strip_strings(line):
    """The line without string and char literals or a trailing // comment, for brace counting."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return line.split("//", 1)[0]


def functions(lines):
    """(name, first line number from 1, length) of every fn with a body, outside test modules."""
    out = []
    in_tests = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == "#[cfg(test)]":
            in_tests = True
        m = FN.match(line)
        if m and not in_tests:
            depth = 0
            opened = False
            j = i
            while j < len(lines):
                code = strip_strings(lines[j])
                if not opened and ";" in code and "{" not in code and j == i:
                    break  # a declaration without a body
                depth += code.count("{") - code.count("}")
                opened = opened or "{" in code
                if opened and depth <= 0:
                    out.append((m.group(5), i + 1, j - i + 1))
                    break
                j += 1
            i = j + 1 if opened else i + 1
            continue
        i += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-fn", type=int, default=50)
    ap.add_argument("--max-file", type=int, default=400)
    ap.add_argument("--allow", nargs="*", default=[])
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    files = []
    fns = []
    for path in sorted(ROUTES.rglob("*.rs")):
        rel = str(path.relative_to(ROOT / "src" / "web"))
        lines = path.read_text(encoding="utf-8").splitlines()
        files.append((len(lines), rel))
        for name, start, length in functions(lines):
            fns.append((length, f"{rel}:{start}", name, rel))
    files.sort(reverse=True)
    fns.sort(reverse=True)
    print(f"route files: {len(files)}, functions: {len(fns)}")
    print(f"longest route files (limit {args.max_file}):")
    for n, rel in files[: args.top]:
        print(f"  {n:5} {rel}{'  (allowed)' if rel in args.allow else ''}")
    print(f"longest functions (limit {args.max_fn}):")
    for n, where, name, rel in fns[: args.top]:
        print(f"  {n:5} {where} {name}{'  (allowed)' if rel in args.allow else ''}")
    bad = [f"file {rel}: {n} lines" for n, rel in files if n > args.max_file and rel not in args.allow]
    bad += [
        f"fn {name} at {where}: {n} lines"
        for n, where, name, rel in fns
        if n > args.max_fn and rel not in args.allow
    ]
    for b in bad:
        print(f"over the limit: {b}")
    if bad:
        return 1
    print("ok: every route file and function outside --allow is within the limits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
