"""Is the pgvector binary portable? AVX-512 instructions only inside pgvector's CPU-dispatched variants.

pgvector compiles a few functions twice, the second time for AVX-512 (named ``…Avx512…``, e.g.
``BitHammingDistanceAvx512Popcount``), and calls that variant only after asking the CPU whether it has AVX-512.
Built with ``-march=native`` on an AVX-512 machine, the compiler also uses AVX-512 in ordinary functions
(``cosine_distance``, ``array_to_vector``, …), and that ``vector.so`` kills the server on any CPU without it
(issue 12, docs/decisions/0022). This module disassembles a ``vector.so`` with ``objdump -d`` (Debian's binutils)
and lists the functions that use AVX-512 registers (``zmm``; the mask registers ``k1`` to ``k7``; ``xmm``/``ymm``
16 to 31) outside those variants; a portable binary has none.

Run ``.venv/bin/python -m deskpilot.vector_binary [path/to/vector.so]`` (default: the embedded server's).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

_FUNCTION = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
_AVX512_REGISTER = re.compile(r"%(?:zmm\d+|k[1-7]\b|[xy]mm(?:1[6-9]|2\d|3[01])\b)")
_DISPATCHED = re.compile(r"Avx512")
"""pgvector's naming of the variants it calls only on CPUs with AVX-512 (``src/bitutils.c``, ``src/halfutils.c``)."""


def avx512_functions(listing: str) -> Counter[str]:
    """How many instructions use AVX-512 registers, per function, in an ``objdump -d`` listing."""
    found: Counter[str] = Counter()
    function = "(no function)"
    for line in listing.splitlines():
        header = _FUNCTION.match(line)
        if header:
            function = header.group(1)
        elif _AVX512_REGISTER.search(line):
            found[function] += 1
    return found


def undispatched_avx512(listing: str) -> Counter[str]:
    """The functions that use AVX-512 although they are not pgvector's dispatched variants: each one crashes the
    server (SIGILL) on a CPU without AVX-512. Empty for a portable binary."""
    return Counter({f: n for f, n in avx512_functions(listing).items() if not _DISPATCHED.search(f.split(".")[0])})


def disassemble(library: Path) -> str:
    """``objdump -d`` of ``library`` (without the raw bytes)."""
    objdump = shutil.which("objdump")
    if objdump is None:
        raise FileNotFoundError("objdump not found: install Debian's binutils (scripts/bootstrap does)")
    done = subprocess.run(
        [objdump, "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True, check=True, timeout=600
    )
    return done.stdout


async def loaded_vector_library(database_url: str) -> Path:
    """The ``vector.so`` the server at ``database_url`` loads: ``$libdir/vector`` (the extension's
    ``module_pathname``), ``$libdir`` being the server's ``PKGLIBDIR`` (the ``pg_config`` view; superuser)."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'"))
            pkglibdir = rows.scalar_one()
    finally:
        await engine.dispose()
    return Path(pkglibdir) / "vector.so"


def main(argv: list[str]) -> int:
    if argv:
        library = Path(argv[0])
    else:
        from deskpilot.embedded import postgres_bin_dir

        pg_config = postgres_bin_dir() / "pg_config"
        pkglibdir = subprocess.run([str(pg_config), "--pkglibdir"], capture_output=True, text=True, check=True)
        library = Path(pkglibdir.stdout.strip()) / "vector.so"
    listing = disassemble(library)
    everywhere, bad = avx512_functions(listing), undispatched_avx512(listing)
    print(f"{library}: {sum(everywhere.values())} instructions with AVX-512 registers in {len(everywhere)} functions")
    for function, count in sorted(everywhere.items()):
        print(f"  {count:5d}  {function}{'' if function not in bad else '   <- not a dispatched variant'}")
    print("portable" if not bad else f"NOT portable: {len(bad)} ordinary functions use AVX-512")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
