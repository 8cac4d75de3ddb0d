"""What the repository holds works on any clone: no symbolic links (a worktree's link to another checkout's
environment, committed by mistake, replaced the main checkout's .venv and node_modules with links to themselves)
and no absolute paths of the machine it was written on."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MACHINE_PREFIXES = ("/work/", "/root/", "/home/")


def _tracked() -> list[tuple[str, str]]:
    listed = subprocess.run(
        ["git", "ls-files", "-s", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    entries = []
    for entry in filter(None, listed.split("\0")):
        meta, path = entry.split("\t", 1)
        entries.append((meta.split()[0], path))
    return entries


def test_no_symbolic_link_is_tracked() -> None:
    links = [path for mode, path in _tracked() if mode == "120000"]
    assert not links, f"symbolic links in the repository (git rm --cached them): {links}"


def test_no_text_file_names_a_path_of_this_machine() -> None:
    found = []
    for mode, path in _tracked():
        file = ROOT / path
        if mode == "120000" or not file.is_file() or path.startswith("tests/data/") or file == Path(__file__):
            continue
        try:
            text = file.read_text()
        except UnicodeDecodeError:
            continue
        found += [f"{path}: {p}" for p in MACHINE_PREFIXES if p in text]
    assert not found, found
