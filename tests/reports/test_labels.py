"""Chart labels and workbook sheet names keep whole words."""

from __future__ import annotations

import re

from lms.reports.charts import Series, bar_chart, label_lines
from lms.training.exports import sheet_title


def test_a_long_chart_label_wraps_between_words_instead_of_being_clipped():
    name = "Police de proximité — Mbuji-Mayi 2026"
    svg = str(bar_chart("Inscrits", "Par cohorte", [name], [Series("Total", "#000", [40])]))
    shown = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert " ".join(shown) == name  # every word shown, on two lines
    assert all(len(line) <= 26 for line in shown)
    assert f"<title>{name}</title>" in svg
    assert label_lines("un " * 30)[-1].endswith("…")  # a very long label says it goes on


def test_sheet_names_are_cut_between_words_and_fit_excel():
    title = "Officers enrolled, completed and certified"
    name = sheet_title(title, "Report")
    assert len(name) <= 31 and title.startswith(name) and name == "Officers enrolled, completed"
    assert sheet_title("Inscrits: terminé/certifié", "x") == "Inscrits terminécertifié"
    assert sheet_title("?", "Rapport") == "Rapport"
    assert sheet_title("Taux de réussite par évaluation et par sexe", "x") == (
        "Taux de réussite par évaluation")
