#!/usr/bin/env python3
"""Writes (or checks) the .meta file of every asset in the Unity package.

Unity ignores files without a .meta inside an immutable package (one installed from git or a
registry), so every file and folder of unity_plugin/ ships one. GUIDs are derived from the path, so
they are stable and the sample scene can name its scripts by GUID.

    python3 tools/unity_meta.py          # write missing .meta files, remove orphaned ones
    python3 tools/unity_meta.py --check  # exit 1 when one is missing, orphaned or duplicated
    python3 tools/unity_meta.py --guid Samples~/TalkingHead/Scripts/SampleFace.cs
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "unity_plugin"
PACKAGE_NAME = "com.fantasytalking.unity"

TAIL = "  externalObjects: {}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
IMPORTERS = {
    ".cs": "MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n  defaultReferences: []\n  executionOrder: 0\n"
           "  icon: {instanceID: 0}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n",
    ".asmdef": "AssemblyDefinitionImporter:\n" + TAIL,
    ".md": "TextScriptImporter:\n" + TAIL,
    ".json": "PackageManifestImporter:\n" + TAIL,
    ".txt": "TextScriptImporter:\n" + TAIL,
    ".csv": "TextScriptImporter:\n" + TAIL,
}


def guid(rel: str) -> str:
    """The GUID of a package path such as "Runtime/Core/Quat.cs"."""
    return hashlib.md5(f"{PACKAGE_NAME}/{rel}".encode()).hexdigest()


def meta_text(path: Path, rel: str) -> str:
    head = f"fileFormatVersion: 2\nguid: {guid(rel)}\n"
    if path.is_dir():
        return head + "folderAsset: yes\nDefaultImporter:\n" + TAIL
    if path.name == "package.json":
        return head + IMPORTERS[".json"]
    return head + IMPORTERS.get(path.suffix, "DefaultImporter:\n" + TAIL)


def assets(root: Path):
    """Every file and folder that needs a .meta: not .meta files themselves, not dot-files. Folders whose
    name ends in ~ are hidden from Unity, but Samples~ is copied into Assets as it is, so it has metas too."""
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.name.endswith(".meta") or any(part.startswith(".") for part in rel.parts):
            continue
        if p == root / "Samples~":
            continue  # the folder itself is never imported; its contents are
        if any(part.endswith("~") and part != "Samples~" for part in rel.parts):
            continue
        yield p, rel.as_posix()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--guid", help="print the GUID of this package path")
    args = ap.parse_args()
    if args.guid:
        print(guid(args.guid))
        return 0
    problems = []
    wanted = set()
    for path, rel in assets(PACKAGE):
        meta = path.with_name(path.name + ".meta")
        wanted.add(meta)
        text = meta_text(path, rel)
        if not meta.exists():
            if args.check:
                problems.append(f"missing {meta.relative_to(PACKAGE)}")
            else:
                meta.write_text(text)
    seen = {}
    for meta in sorted(PACKAGE.rglob("*.meta")):
        if meta not in wanted:
            if args.check:
                problems.append(f"orphaned {meta.relative_to(PACKAGE)}")
            else:
                meta.unlink()
            continue
        g = next((line.split()[1] for line in meta.read_text().splitlines() if line.startswith("guid:")), None)
        if g in seen:
            problems.append(f"duplicate guid {g}: {meta.relative_to(PACKAGE)} and {seen[g]}")
        seen[g] = meta.relative_to(PACKAGE)
    for p in problems:
        print(f"unity_meta: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
