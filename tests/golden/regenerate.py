"""Write the golden analysis tables: run only on purpose, after reviewing the change.

    python tests/golden/regenerate.py

Runs the small studies of `tests/test_golden.py` (the minimal scenario: a plain run and a
stage attribution, a few replications, in one process) and writes every analysis table as
CSV under `tests/golden/<study>/`, plus the summary. Review `git diff tests/golden` before
committing: every changed number is a changed answer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.test_golden import STUDIES, as_csv_frame  # noqa: E402


def main() -> None:
    for name, make in STUDIES.items():
        result = make()
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        for table, frame in sorted(result.analysis.items()):
            as_csv_frame(frame).to_csv(folder / f"{table}.csv", index=False)
        summary = {k: v for k, v in result.summary.items() if k != "meta"}
        (folder / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True)
                                             + "\n", encoding="utf-8")
        print(f"{folder}: {len(result.analysis)} tables")


if __name__ == "__main__":
    main()
