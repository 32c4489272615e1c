"""The analysis layer: every answer computed once, from a run's tables, as small tables.

Between the results folder and everything that presents it (console, charts, report,
Python API): one module per question, raw per-replication tables in, small tidy tables
out, so the console, the charts and the report read the same numbers and cannot disagree.
`analyse` fills a run's summary and analysis tables.
"""

from simulator.analysis.analyse import analyse, study_of

__all__ = ["analyse", "study_of"]
