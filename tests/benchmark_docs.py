"""A doc's benchmark table is one of the benchmark's recorded results, tabulated."""

import importlib.util
import json
from pathlib import Path

from experiments import doc_blocks

ROOT = Path(__file__).resolve().parent.parent


def assert_block_is_recorded(doc: Path, benchmark: str) -> None:
    """``benchmarks/<benchmark>.py``'s ``table_lines`` of some benchmarks/results/<benchmark>-*
    .json is exactly the doc's block ``BLOCK`` of that benchmark."""
    path = ROOT / "benchmarks" / f"{benchmark}.py"
    spec = importlib.util.spec_from_file_location(f"{benchmark}_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    recorded = sorted((ROOT / "benchmarks" / "results").glob(f"{benchmark}-*.json"))
    assert recorded, f"no recorded {benchmark} benchmark"
    tables = {"\n".join(bench.table_lines(json.loads(p.read_text()))).strip() for p in recorded}
    assert doc_blocks.block(doc, bench.BLOCK).strip() in tables, f"stale: rerun {path.name}"
