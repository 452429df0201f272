"""Moodle XML as Moodle writes it: both names of the matching type, titles kept as staff wrote
them, every dropped hint and feedback reported at its line, and grades Moodle refuses refused."""

from pathlib import Path

from lms.assessment import gift
from tests.conftest import in_language

DATA = Path(__file__).parent / "data" / "moodle"


def _convert(app, name):
    with in_language(app, "en"):
        result = gift.parse_moodle_file((DATA / name).read_bytes())
        problems = [str(p) for p in result.problems]
    quiz, checked = gift.read_markdown_quiz(result.markdown, "quiz.fr.md")
    assert quiz is not None, [str(p) for p in checked]
    return result, {q["id"]: q for q in quiz["questions"]}, problems


def _at(problems, line):
    return [p for p in problems if p.startswith(f"line {line}: ")]


def test_a_field_quiz_keeps_its_titles_and_reports_every_change_by_line(app):
    result, questions, problems = _convert(app, "terrain-cp01.xml")
    assert list(questions) == ["CP-01-Rôle-du-CLSP", "CP-01-Rôle-du-CLSP-2", "Acteurs-du-CLSP"]
    assert result.converted == 3
    # type="matching" is read like "match", as Moodle does.
    assert questions["Acteurs-du-CLSP"]["type"] == "matching"
    assert len(questions["Acteurs-du-CLSP"]["pairs"]) == 3

    renamed = _at(problems, 15)
    assert any("title 'CP-01 Rôle du CLSP' became the id 'CP-01-Rôle-du-CLSP'" in p
               for p in renamed), renamed
    second = _at(problems, 64)
    assert any("'CP-01 Rôle du CLSP' is also the title of the question at line 15" in p
               and "'CP-01-Rôle-du-CLSP-2'" in p for p in second), second
    assert not any("q1" in p for p in problems)
    # Hints and combined feedback are left out, each reported where it stands; Moodle's
    # standard wording ("Votre réponse est partiellement correcte.") is not worth a word.
    assert any("hint was left out" in p for p in _at(problems, 55))
    assert any("hint was left out" in p for p in _at(problems, 58))
    assert any("feedback for a correct answer was left out" in p for p in _at(problems, 33))
    assert any("feedback for an incorrect answer was left out" in p for p in _at(problems, 39))
    assert not _at(problems, 36) and not _at(problems, 108)


def test_grades_moodle_refuses_are_refused_at_their_question(app):
    result, questions, problems = _convert(app, "terrain-cp01.xml")
    assert "Frequence-des-patrouilles" not in questions and "Fréquence-des-patrouilles" not in \
        questions
    assert any("33%" in p and "not a grade Moodle allows" in p for p in _at(problems, 139)), \
        _at(problems, 139)
    assert "Partenaires" not in questions
    assert any("add up to 90%" in p for p in _at(problems, 188)), _at(problems, 188)


def test_moodles_own_invalid_grades_fixture_is_refused(app):
    with in_language(app, "en"):
        result = gift.parse_moodle_file((DATA / "error_invalid_grades.xml").read_bytes())
        problems = [str(p) for p in result.problems]
    assert result.converted == 0
    assert any(p.startswith("line 4: ") and "33%" in p and "not a grade Moodle allows" in p
               for p in problems), problems
