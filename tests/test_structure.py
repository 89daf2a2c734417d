"""The structure a newcomer can rely on: the layer contract holds (import-linter), the model is
a short epoch loop, and no function in sim/ outgrows a screen."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LONGEST_FUNCTION = 60  # lines
MODEL_LINES = 250


def test_the_layer_contract_holds():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def function_lengths(folder: Path) -> dict[str, int]:
    lengths = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                lengths[where] = node.end_lineno - node.lineno + 1
    return lengths


def test_no_function_in_sim_is_longer_than_a_screen():
    lengths = function_lengths(ROOT / "sim")
    assert len(lengths) > 100  # the walk found the package
    too_long = {k: n for k, n in lengths.items() if n > LONGEST_FUNCTION}
    assert not too_long, too_long


def test_the_model_is_a_short_epoch_loop():
    source = (ROOT / "sim" / "model.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MODEL_LINES
    step = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == "step"
    )
    assert step.end_lineno - step.lineno + 1 <= 30


def test_the_mechanism_library_doc_lists_every_member_of_every_family():
    """docs/mechanisms.md's table names each YAML of configs/<family>/ (gossip was missing)."""
    from pathlib import Path

    from mechanisms import FAMILIES

    root = Path(__file__).resolve().parents[1]
    rows = [
        line
        for line in (root / "docs" / "mechanisms.md").read_text().splitlines()
        if line.startswith("| ")
    ]
    for family in FAMILIES:
        listed = " ".join(row for row in rows if row.startswith(f"| {family} |"))
        for member in sorted((root / "configs" / family).glob("*.yaml")):
            assert f"`{member.stem}`" in listed, f"{family}={member.stem}"


def test_every_folder_of_configs_is_an_installed_data_package():
    """An unlisted config folder made `pip install` print a setuptools warning per folder
    (about 500 lines); every folder holding YAML is listed, with its YAML as package data."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    setup = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    config_root = root / "configs"
    folders = {"configs"} | {
        ".".join(p.relative_to(root).parts) for p in config_root.rglob("*") if p.is_dir()
    }
    assert folders <= set(setup["packages"]), folders - set(setup["packages"])
    assert all(setup["package-data"].get(folder) == ["*.yaml"] for folder in folders)
