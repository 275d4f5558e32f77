"""make mutate: mutation testing (cosmic-ray) of the modules where a wrong number is silent.

Each module is mutated in a scratch copy of the working tree (never in the checkout itself), one
mutant at a time, and the fast test subset listed for it in TARGETS runs against every mutant. A
mutant is killed when that subset fails. Mutants that cannot be killed because they do not change
behaviour are listed, with the reason, in TESTING.md ("Equivalent mutants" table); they are left out
of the score. Results per module are kept in build/mutation/ so that ``--summary`` can add up the
modules run at different times.

    tools/mutate.py                      # every module in TARGETS
    tools/mutate.py core/colorizer.py    # one module (or several)
    tools/mutate.py --summary            # the stored results, added up

The last line is always ``mutation score: NN% (killed K of M mutants)``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "build" / "mutation"
TESTING_MD = REPO / "TESTING.md"

# module -> the tests that cover it (a fast subset: each runs in seconds, no QGIS unless needed).
TARGETS: dict[str, list[str]] = {
    "core/colorizer.py": ["tests/core/test_core_types.py", "tests/core/test_colorizer_values.py"],
    "core/ogc.py": ["tests/core/test_ogc_params.py", "tests/core/test_wcs_mosaic.py"],
    "core/tiling.py": ["tests/core/test_tiling_grid.py", "tests/core/test_raster_stream_plan.py",
                       "tests/core/test_tiling_real_arithmetic.py", "tests/core/test_time_gap_slices.py"],
    "core/raster.py": ["tests/core/test_raster_decoding.py", "tests/core/test_merge_tiles.py",
                       "tests/core/test_official_api_small.py",
                       "tests/core/test_tiling_real_arithmetic.py"],
    "core/vector_stream.py": ["tests/core/test_vector_decoding.py", "tests/core/test_vector_stream.py"],
    "core/flatgeobuf.py": ["tests/core/test_flatgeobuf_writer.py"],
    "qgis_glue/point_files.py": ["tests/qgis/test_point_file_builder.py", "tests/qgis/test_point_file_layers.py"],
    "core/geotiff_writer.py": ["tests/core/test_geotiff_options.py", "tests/core/test_geotiff_sink.py",
                               "tests/core/test_geotiff_overviews.py",
                               "tests/core/test_geotiff_stream.py", "tests/core/test_geotiff_sink_edges.py"],
    "qgis_glue/query.py": ["tests/qgis/test_query_time.py"],
    "qgis_glue/wms_time.py": ["tests/qgis/test_query_time.py"],
    "qgis_glue/styling.py": ["tests/qgis/test_styling_values.py", "tests/qgis/test_styling.py",
                             "tests/qgis/test_vector_symbology.py", "tests/qgis/test_styling_fallbacks.py"],
    "qgis_glue/vector_layers.py": ["tests/qgis/test_vector_layer_values.py",
                                   "tests/qgis/test_add_layer.py::test_ports_vector_layer",
                                   "tests/qgis/test_add_layer.py::test_polygons_keep_their_geometry_type",
                                   "tests/qgis/test_add_layer.py::test_points_with_time_drive_the_temporal_controller",
                                   "tests/qgis/test_temporal.py::test_vector_layer_with_time_filters_by_the_controller_range",
                                   "tests/qgis/test_memory_layer_columns.py"],
}

# The operator set: each operator is replaced by its nearest neighbour only (as mutmut does), so a
# '+' becomes '-' but not '>>' or '|' (those only raise TypeError on floats and inflate the count).
KEEP_BINARY = {("Add", "Sub"), ("Sub", "Add"), ("Mul", "Div"), ("Div", "Mul"), ("FloorDiv", "Div"),
               ("Div", "FloorDiv"), ("Mod", "FloorDiv"), ("Pow", "Mul"),
               ("BitAnd", "BitOr"), ("LShift", "RShift"), ("RShift", "LShift")}  # '|' is mostly 'X | None' typing
KEEP_COMPARE = {("Eq", "NotEq"), ("NotEq", "Eq"), ("Lt", "LtE"), ("LtE", "Lt"), ("Gt", "GtE"), ("GtE", "Gt"),
                ("Is", "IsNot"), ("IsNot", "Is"), ("In", "NotIn"), ("NotIn", "In"), ("Lt", "Gt"), ("Gt", "Lt")}
DROP_OTHER = ["core/VariableReplacer", "core/VariableInserter", "core/RemoveDecorator",
              "core/ReplaceUnaryOperator_.*Invert.*", "core/ReplaceUnaryOperator_UAdd_.*"]


def excluded_operators(python: str) -> list[str]:
    """Regexes of the cosmic-ray operators left out (see KEEP_BINARY / KEEP_COMPARE)."""
    names = subprocess.run([python, "-m", "cosmic_ray.cli", "operators"], capture_output=True, text=True,
                           check=True).stdout.split()
    drop = list(DROP_OTHER)
    for name in names:
        match = re.fullmatch(r"core/Replace(Binary|Comparison)Operator_(\w+?)_(\w+)", name)
        if match:
            keep = KEEP_BINARY if match.group(1) == "Binary" else KEEP_COMPARE
            if (match.group(2), match.group(3)) not in keep:
                drop.append(re.escape(name) + "$")
    return drop


def equivalents() -> list[dict]:
    """Rows of TESTING.md's 'Equivalent mutants' table: module | operator | code | reason."""
    rows, inside = [], False
    for line in TESTING_MD.read_text(encoding="utf-8").splitlines() if TESTING_MD.exists() else []:
        if line.startswith("## "):
            inside = line.strip() == "## Equivalent mutants"
            continue
        row = line.strip()[1:-1] if inside and line.startswith("|") else ""
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)] if row else []
        if len(cells) == 4 and cells[0] not in ("module", "") and not set(cells[0]) <= set("-: "):
            rows.append({"module": cells[0], "operator": cells[1], "code": cells[2].strip("`"), "reason": cells[3]})
    return rows


def scratch_copy() -> Path:
    """The working tree as it is now (tracked and new files, not ignored ones) in a temporary folder."""
    target = Path(tempfile.mkdtemp(prefix="geoengine-mutate-"))
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)
    return target


def run(cmd: list[str], cwd: Path, log) -> subprocess.CompletedProcess:
    """Run a cosmic-ray step at low priority, its output into the log."""
    return subprocess.run(["nice", "-n", "15", *cmd], cwd=cwd, stdout=log, stderr=subprocess.STDOUT, check=False)


def mutate_module(module: str, scratch: Path, python: str, drop: list[str]) -> dict:
    """Run every mutant of one module against its tests; returns the module's result record."""
    slug = module.replace("/", "_").removesuffix(".py")
    tests = [t for t in TARGETS[module] if (scratch / t.split("::")[0]).exists()]  # files or node ids
    work = scratch / ".mutate"
    work.mkdir(exist_ok=True)
    config, session = work / f"{slug}.toml", work / f"{slug}.sqlite"
    test_command = f"{python} -m pytest -x -q -p no:cacheprovider -o addopts=--import-mode=importlib {' '.join(tests)}"
    started = time.monotonic()
    with open(work / f"{slug}.log", "w") as log:
        baseline = subprocess.run(test_command.split(), cwd=scratch, capture_output=True, text=True, check=False,
                                  env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        if baseline.returncode != 0:
            raise SystemExit(f"{module}: its tests fail without any mutant:\n{baseline.stdout[-3000:]}")
        timeout = max(30.0, 4 * (time.monotonic() - started))
        config.write_text(
            "[cosmic-ray]\n"
            f'module-path = "{module}"\n'
            f"timeout = {timeout:.0f}\n"
            "excluded-modules = []\n"
            f"test-command = {json.dumps(test_command)}\n"
            '[cosmic-ray.distributor]\nname = "local"\n'
            f"[cosmic-ray.filters.operators-filter]\nexclude-operators = {json.dumps(drop)}\n",
            encoding="utf-8",
        )
        session.unlink(missing_ok=True)
        for step in (["-m", "cosmic_ray.cli", "init", str(config), str(session)],
                     ["-m", "cosmic_ray.tools.filters.operators_filter", str(session), str(config)],
                     ["-m", "cosmic_ray.tools.filters.pragma_no_mutate", str(session)],
                     ["-m", "cosmic_ray.cli", "exec", str(config), str(session)]):
            run([python, *step], scratch, log)
    record = read_session(module, session, scratch)
    record["seconds"] = round(time.monotonic() - started)
    record["tests"] = tests
    return record


def read_session(module: str, session: Path, scratch: Path) -> dict:
    """Count killed and surviving mutants; surviving ones matched against the equivalents table."""
    source = (scratch / module).read_text(encoding="utf-8").splitlines()
    known = [e for e in equivalents() if e["module"] == module]
    killed, survivors, equivalent, skipped = 0, [], [], 0
    con = sqlite3.connect(session)
    rows = con.execute(
        "SELECT m.operator_name, m.start_pos_row, r.test_outcome, r.worker_outcome, r.diff "
        "FROM mutation_specs m JOIN work_results r ON r.job_id = m.job_id"
    ).fetchall()
    con.close()
    for operator, row, test_outcome, worker_outcome, diff in rows:
        test_outcome, worker_outcome = str(test_outcome).lower(), str(worker_outcome).lower()
        if worker_outcome == "skipped":
            skipped += 1
            continue
        if test_outcome == "killed":
            killed += 1
            continue
        if test_outcome == "incompetent":  # the mutant could not be applied (no behaviour to test)
            skipped += 1
            continue
        code = source[row - 1].strip() if 0 < row <= len(source) else ""
        entry = {"line": row, "operator": operator.removeprefix("core/"), "code": code, "outcome": test_outcome,
                 "diff": diff or ""}
        if any(e["operator"] == entry["operator"] and e["code"] == code for e in known):
            equivalent.append(entry)
        else:
            survivors.append(entry)
    return {"module": module, "killed": killed, "survived": survivors, "equivalent": equivalent,
            "skipped": skipped, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def reclassify(record: dict) -> dict:
    """A stored record with its non-killed mutants matched against TESTING.md as it is now."""
    known = [e for e in equivalents() if e["module"] == record["module"]]
    pool = record["survived"] + record["equivalent"]
    match = [m for m in pool if any(e["operator"] == m["operator"] and e["code"] == m["code"] for e in known)]
    return {**record, "equivalent": match, "survived": [m for m in pool if m not in match]}


def report(records: list[dict]) -> None:
    """Per-module counts, the surviving mutants, then the one-line score."""
    killed = total = 0
    for rec in records:
        k, s, e = rec["killed"], len(rec["survived"]), len(rec["equivalent"])
        killed, total = killed + k, total + k + s
        pct = 100.0 * k / (k + s) if k + s else 100.0
        print(f"{rec['module']}: {pct:.0f}% killed {k} of {k + s}, {e} equivalent (TESTING.md), "
              f"{rec.get('seconds', '?')} s, {rec['when']}")
        for mutant in rec["survived"]:
            print(f"  survived {rec['module']}:{mutant['line']} {mutant['operator']}: {mutant['code']}")
    score = 100.0 * killed / total if total else 100.0
    print(f"mutation score: {score:.0f}% (killed {killed} of {total} mutants)")


def result_path(module: str) -> Path:
    return RESULTS / (module.replace("/", "_").removesuffix(".py") + ".json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all of TARGETS)")
    parser.add_argument("--summary", action="store_true", help="add up the stored results, run nothing")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    modules = args.modules or list(TARGETS)
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        parser.error(f"not a mutation target: {', '.join(unknown)} (see TARGETS in tools/mutate.py)")
    if args.summary:
        records = [reclassify(json.loads(result_path(m).read_text())) for m in modules if result_path(m).exists()]
        report(records)
        return 0
    python = sys.executable
    drop = excluded_operators(python)
    scratch = scratch_copy()
    records = []
    try:
        for module in modules:
            record = mutate_module(module, scratch, python, drop)
            result_path(module).write_text(json.dumps(record, indent=1))
            records.append(record)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
