"""The catalogue of report tables, by the key used in export links."""

from __future__ import annotations

from collections.abc import Mapping

from lms.reports.delivery import attendance_table, cascade_table, indicator_table, unvetted_table
from lms.reports.filters import ReportFilter
from lms.reports.gain import gain_by_cohort_table, gain_table, knowledge_gain, missing_tests_table
from lms.reports.outcomes import enrolment_table, pass_rate_table
from lms.reports.tables import Table


def build_table(key: str, f: ReportFilter, options: Mapping[str, str], lang: str) -> Table | None:
    """One report table by its key (as used in export links); None if the key is unknown."""
    return build_tables([key], f, options, lang)[0]


def build_tables(keys: list[str], f: ReportFilter, options: Mapping[str, str],
                 lang: str) -> list[Table | None]:
    """Report tables by key (None for an unknown key); the key indicators reuse the figures of
    the other tables asked for rather than counting them again."""
    built: dict[str, Table | None] = {}
    figures = knowledge_gain(f) if {"gain", "indicators"} & set(keys) else None
    builders = {
        "enrolment": lambda: enrolment_table(f, options.get("by", "cohort")),
        "pass_rates": lambda: pass_rate_table(f, lang),
        "gain": lambda: gain_table(f, figures=figures),
        "missing_tests": lambda: missing_tests_table(f),
        "gain_by_cohort": lambda: gain_by_cohort_table(f),
        "attendance": lambda: attendance_table(f),
        "cascade": lambda: cascade_table(f),
        "unvetted": lambda: unvetted_table(f),
        "indicators": lambda: indicator_table(
            f, enrolment=built.get("enrolment"), attendance=built.get("attendance"),
            cascade=built.get("cascade"), gain=figures),
    }
    for key in sorted(set(keys), key=lambda k: k == "indicators"):  # the indicators last
        builder = builders.get(key)
        built[key] = builder() if builder else None
    return [built[key] for key in keys]


TABLE_KEYS = ("indicators", "enrolment", "pass_rates", "gain", "gain_by_cohort", "missing_tests",
              "attendance", "cascade", "unvetted")
