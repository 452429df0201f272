"""`flask lms curricula check`: every class of error, reported with file and line, all at once."""

from pathlib import Path

import flask_babel
import pytest

from lms.assessment.gift import read_markdown_quiz
from lms.curricula.parser import check_programme, load_programme
from lms.curricula.problems import CurriculumInvalid, Problem
from lms.curricula.quizfile import QUESTION_TYPES
from tests.conftest import CURRICULA, in_language, make_programme_folder

NAME = "police-de-proximite"
QUIZ_FR = "modules/principes/quiz-principes.fr.md"
QUIZ_EN = "modules/principes/quiz-principes.en.md"
LESSON_FR = "modules/partenariat/clsp-forums.fr.md"


def errors(folder: Path) -> list[tuple[str, int, str]]:
    """(file, line, message) of every error the checker reports (without an app: English)."""
    _structure, problems = check_programme(folder)
    return [(p.path, p.line, p.text) for p in problems.errors]


def find(found, path, line, *words):
    """The errors at `path`:`line` whose message holds every word."""
    return [e for e in found if e[0] == f"{NAME}/{path}" and e[1] == line
            and all(w in e[2] for w in words)]


def append(folder: Path, rel: str, text: str) -> int:
    """Append `text` to a file; return the line number of its first line."""
    path = folder / rel
    old = path.read_text(encoding="utf-8")
    if not old.endswith("\n"):
        old += "\n"
    path.write_text(old + text, encoding="utf-8")
    return old.count("\n") + 1


def replace(folder: Path, rel: str, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_in(folder: Path, rel: str, needle: str, nth: int = 1) -> int:
    """Line number of the `nth` line of a file that contains `needle`."""
    hits = [n for n, line in enumerate((folder / rel).read_text(encoding="utf-8").split("\n"), 1)
            if needle in line]
    return hits[nth - 1]


def second_problem(folder: Path) -> int:
    """Add an unrelated broken link to a lesson; return its line (proves checking goes on)."""
    return append(folder, LESSON_FR, "\nVoir aussi [la fiche](fiche-inexistante).\n") + 1


def assert_second_problem_reported(found, line):
    assert find(found, LESSON_FR, line, "broken link", "fiche-inexistante"), found


@pytest.fixture
def folder(tmp_path):
    return make_programme_folder(tmp_path, NAME)


def question(qid: str, body: str) -> str:
    return f"\n## Question {qid}\n{body}\n"


@pytest.mark.parametrize("name", ["police-de-proximite", "police-des-mines",
                                  "police-des-frontieres", "formation-des-formateurs"])
def test_bundled_programmes_have_no_error(name):
    assert errors(CURRICULA / name) == []
    # No warning either: CI runs the checker on them (the right answers are spread out).
    assert check_programme(CURRICULA / name)[1].warnings == []


def test_the_right_answer_in_the_same_place_too_often_is_warned_with_file_and_line():
    from lms.curricula.problems import Problems
    from lms.curricula.quizfile import check_answer_positions, parse_quiz_body

    def warnings(first_right: int) -> list:
        body = "".join(question(f"q{n}", f"type: single\n\nQuestion {n} ?\n\n"
                                + ("- [x] Oui\n- [ ] Non\n" if n <= first_right
                                   else "- [ ] Oui\n- [x] Non\n")) for n in range(1, 5))
        problems = Problems()
        _intro, questions = parse_quiz_body(body, 10, "quiz.fr.md", problems, lambda h, n: None)
        check_answer_positions(questions, "quiz.fr.md", problems)
        return [(p.path, p.line, p.text) for p in problems.warnings]

    # 3 of 4 single-choice questions with the right answer first: more than half, warned at
    # the first of them (line 11: the body starts at line 10 with a blank line).
    ((path, line, text),) = warnings(3)
    assert (path, line) == ("quiz.fr.md", 11)
    assert "choice 1 in 3 of the 4" in text and "q1, q2, q3" in text
    assert warnings(2) == []  # half in one place is the most allowed


def test_missing_manifest(folder):
    (folder / "manifest.yaml").unlink()
    (folder / "modules/partenariat/clsp-forums.en.md").write_bytes(b"---\ntitle: x\n---\n\xff\n")
    found = errors(folder)
    assert find(found, "manifest.yaml", 1, "missing manifest")
    assert find(found, "modules/partenariat/clsp-forums.en.md", 4, "UTF-8")


def test_bad_yaml_in_manifest(folder):
    replace(folder, "manifest.yaml", "pre_test: pre-test", "pre_test: [pre-test")
    bad = line_in(folder, "manifest.yaml", "pre_test:")
    (folder / "modules/partenariat/clsp-forums.en.md").write_bytes(b"---\ntitle: x\n---\n\xe9\n")
    found = errors(folder)
    assert [e for e in found if e[0] == f"{NAME}/manifest.yaml" and "bad YAML" in e[2]
            and bad <= e[1] <= bad + 1], found
    assert find(found, "modules/partenariat/clsp-forums.en.md", 4, "UTF-8")


def test_unknown_module_listed_without_folder(folder):
    append(folder, "manifest.yaml", "  - id: fantome\n    title: Fantôme\n"
                                    "    lessons: [rien]\n")
    line = line_in(folder, "manifest.yaml", "id: fantome")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, "manifest.yaml", line, "unknown module 'fantome'")
    assert_second_problem_reported(found, link)


def test_unknown_module_in_certificate_rules(folder):
    replace(folder, "manifest.yaml", "modules_passed: all", "modules_passed: [principes, fantome]")
    line = line_in(folder, "manifest.yaml", "modules_passed")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, "manifest.yaml", line, "unknown module 'fantome'", "certificate")
    assert_second_problem_reported(found, link)


def test_duplicate_module_id(folder):
    append(folder, "manifest.yaml", "  - id: principes\n    title: Encore\n"
                                    "    lessons: [six-principes]\n")
    second = line_in(folder, "manifest.yaml", "id: principes", nth=2)
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, "manifest.yaml", second, "duplicate module id 'principes'"), found
    assert_second_problem_reported(found, link)


def test_duplicate_lesson_id_in_a_module(folder):
    replace(folder, "manifest.yaml", "lessons: [clsp-forums]",
            "lessons: [clsp-forums, clsp-forums]")
    line = line_in(folder, "manifest.yaml", "lessons: [clsp-forums")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, "manifest.yaml", line, "duplicate id 'clsp-forums'", "partenariat")
    assert_second_problem_reported(found, link)


def test_duplicate_question_id(folder):
    body = "type: truefalse\n\nLa police sert la population.\n\n- [x] Vrai\n- [ ] Faux\n"
    for rel in (QUIZ_FR, QUIZ_EN):
        start = append(folder, rel, question("pr1", body))
    fr_line = line_in(folder, QUIZ_FR, "## Question pr1", nth=2)
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_FR, fr_line, "duplicate question id 'pr1'")
    assert find(found, QUIZ_EN, start + 1, "duplicate question id 'pr1'")
    assert_second_problem_reported(found, link)


def _add_to_both(folder, qid, body):
    """Add the same question to the French and English quiz; return its heading line in fr."""
    for rel in (QUIZ_FR, QUIZ_EN):
        append(folder, rel, question(qid, body))
    return line_in(folder, QUIZ_FR, f"## Question {qid}")


def test_question_with_no_correct_answer(folder):
    line = _add_to_both(folder, "z1", "type: single\n\nQui ?\n\n- [ ] A\n- [ ] B\n")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_FR, line, "'z1' has no correct answer")
    assert_second_problem_reported(found, link)


def test_single_choice_with_two_correct(folder):
    line = _add_to_both(folder, "z1", "type: single\n\nQui ?\n\n- [x] A\n- [ ] B\n- [x] C\n")
    link = second_problem(folder)
    found = errors(folder)
    # Reported on the second choice marked [x].
    assert find(found, QUIZ_FR, line + 7, "more than one choice marked correct"), found
    assert_second_problem_reported(found, link)


def test_true_false_with_three_choices(folder):
    line = _add_to_both(folder, "z1", "type: truefalse\n\nVrai ?\n\n- [x] Vrai\n- [ ] Faux\n"
                                      "- [ ] Peut-être\n")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_FR, line, "true/false question 'z1' must have exactly two")
    assert_second_problem_reported(found, link)


def test_short_answer_without_accepted_answer(folder):
    line = _add_to_both(folder, "z1", "type: short\n\nQue signifie S ?\n\n- [ ] Scanning\n")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_FR, line, "short-answer question 'z1' has no accepted answer")
    assert_second_problem_reported(found, link)


def test_numeric_without_answer(folder):
    line = _add_to_both(folder, "z1", "type: numeric\ntolerance: 1\n\nEn quelle année ?\n")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_FR, line, "numeric question 'z1' has no 'answer:'")
    assert_second_problem_reported(found, link)


def test_matching_question_errors_are_reported_on_their_lines(folder):
    line = _add_to_both(folder, "z1", "type: matching\n\nAssociez.\n\n- [x] Un choix\n"
                                      "- CLSP ->\n- DGM -> migration\n- DGM -> douane\n")
    _add_to_both(folder, "z2", "type: matching\n\nAssociez.\n\n- PNC -> police\n"
                               "- -> armée\nUn texte égaré.\n")
    z2 = line_in(folder, QUIZ_FR, "## Question z2")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_FR, line + 5, "takes pairs", "not choices"), found
    assert find(found, QUIZ_FR, line + 6, "needs an answer after '->'"), found
    assert find(found, QUIZ_FR, line + 8, "'DGM' is already paired at line " + str(line + 7))
    assert find(found, QUIZ_FR, line, "'z1' needs at least two pairs"), found
    assert find(found, QUIZ_FR, z2 + 7, "text after the pairs"), found
    assert find(found, QUIZ_FR, z2, "'z2' needs at least two pairs"), found
    assert_second_problem_reported(found, link)


def test_french_and_english_matching_pairs_must_agree(folder):
    append(folder, QUIZ_FR, question("z1", "type: matching\n\nAssociez.\n\n- PNC -> police\n"
                                           "- DGM -> migration\n"))
    start = append(folder, QUIZ_EN, question("z1", "type: matching\n\nMatch.\n\n"
                                                   "- PNC -> migration\n- DGM -> police\n"
                                                   "- -> army\n"))
    found = errors(folder)
    assert find(found, QUIZ_EN, start + 1, "does not match 'fr'"), found


def test_the_documented_quiz_example_passes_the_checker():
    readme = (CURRICULA / "README.md").read_text(encoding="utf-8")
    example = readme.split("```markdown\n---\ntitle: Quiz", 1)[1].split("\n```\n", 1)[0]
    quiz, problems = read_markdown_quiz("---\ntitle: Quiz" + example)
    assert quiz is not None, [str(p) for p in problems]
    assert {q["type"] for q in quiz["questions"]} == set(QUESTION_TYPES)


def test_unknown_question_type(folder):
    _add_to_both(folder, "z1", "type: dessin\n\nDessinez un poste.\n")
    line = line_in(folder, QUIZ_FR, "type: dessin")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_FR, line, "unknown question type 'dessin'")
    assert_second_problem_reported(found, link)


def test_unclosed_front_matter(folder):
    rel = "modules/principes/six-principes.fr.md"
    text = (folder / rel).read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)  # drop the closing '---'
    (folder / rel).write_text(head + "\n" + body, encoding="utf-8")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, rel, 1, "never closed")
    assert_second_problem_reported(found, link)


def test_front_matter_with_bad_yaml(folder):
    rel = "modules/principes/six-principes.fr.md"
    replace(folder, rel, "duration: 60", "duration: [60")
    line = line_in(folder, rel, "duration:")
    link = second_problem(folder)
    found = errors(folder)
    assert [e for e in found if e[0] == f"{NAME}/{rel}" and "bad front matter" in e[2]
            and line <= e[1] <= line + 1], found
    assert_second_problem_reported(found, link)


def test_broken_internal_link_on_its_line(folder):
    rel = "modules/principes/six-principes.fr.md"
    start = append(folder, rel, "\nPremière ligne du paragraphe,\n"
                                "puis [un lien cassé](lecon-absente) sur la deuxième.\n")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, rel, start + 2, "broken link 'lecon-absente'"), found
    assert_second_problem_reported(found, link)


def test_unsupported_language(folder):
    replace(folder, "manifest.yaml", "languages: [fr, en]", "languages: [fr, en, sw]")
    line = line_in(folder, "manifest.yaml", "languages:")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, "manifest.yaml", line, "unsupported language 'sw'")
    assert_second_problem_reported(found, link)


def test_non_utf8_file(folder):
    rel = "modules/principes/six-principes.fr.md"
    data = (folder / rel).read_text(encoding="utf-8").encode("latin-1", errors="replace")
    (folder / rel).write_bytes(data)
    line = data[:data.index(b"\xe9")].count(b"\n") + 1
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, rel, line, "not UTF-8")
    assert_second_problem_reported(found, link)


def test_french_and_english_questions_differ(folder):
    replace(folder, QUIZ_EN, "## Question pr3", "## Question pr3-bis")
    line = line_in(folder, QUIZ_EN, "## Question pr3-bis")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, QUIZ_EN, line, "does not match 'fr'"), found
    assert_second_problem_reported(found, link)


def test_pre_and_post_test_ids_differ(folder):
    rel = "evaluations/post-test.fr.md"
    replace(folder, rel, "## Question t2", "## Question t2-post")
    replace(folder, "evaluations/post-test.en.md", "## Question t2", "## Question t2-post")
    line = line_in(folder, rel, "## Question t2-post")
    link = second_problem(folder)
    found = errors(folder)
    assert find(found, rel, line, "same question ids as the pre-test"), found
    assert_second_problem_reported(found, link)


def test_every_problem_is_listed_in_one_run(folder):
    replace(folder, "manifest.yaml", "languages: [fr, en]", "languages: [fr, en, sw]")
    _add_to_both(folder, "z1", "type: single\n\nQui ?\n\n- [ ] A\n- [ ] B\n")
    _add_to_both(folder, "z2", "type: numeric\n\nCombien ?\n")
    second_problem(folder)
    messages = " | ".join(e[2] for e in errors(folder))
    for expected in ("unsupported language", "'z1' has no correct answer",
                     "'z2' has no 'answer:'", "broken link"):
        assert expected in messages


def plain(output: str) -> str:
    """Command output with French no-break spaces (before ':' and inside « ») as spaces."""
    return output.replace("\xa0", " ")


def test_cli_check_exit_status(folder, runner):
    ok = runner.invoke(args=["lms", "curricula", "check", str(CURRICULA)])
    assert ok.exit_code == 0, ok.output
    for name in ("police-de-proximite", "police-des-mines", "police-des-frontieres",
                 "formation-des-formateurs"):
        assert f"{name} : 0 erreur, 0 avertissement" in plain(ok.output)
    second_problem(folder)
    bad = runner.invoke(args=["lms", "curricula", "check", str(folder)])
    assert bad.exit_code == 1
    assert f"{NAME}/{LESSON_FR}:" in bad.output and "lien cassé" in bad.output


def test_cli_check_lists_problems_in_french_with_file_and_line(app, folder, runner):
    link = second_problem(folder)
    replace(folder, QUIZ_FR, "pass_mark: 50", "pass_mark: la moitié")
    line = _add_to_both(folder, "z1", "type: single\n\nQui ?\n\n- [ ] A\n- [ ] B\n")
    (folder / "modules/principes/six-principes.en.md").unlink()

    result = runner.invoke(args=["lms", "curricula", "check", str(folder)])
    assert result.exit_code == 1
    out = plain(result.output)
    assert (f"{NAME}/{LESSON_FR}:{link}: erreur : lien cassé « fiche-inexistante » : aucune "
            "leçon ni évaluation n'a cet id") in out
    assert (f"{NAME}/{QUIZ_FR}:2: erreur : pass_mark doit être un nombre, pas « la moitié »"
            in out)
    assert (f"{NAME}/{QUIZ_FR}:{line}: erreur : la question « z1 » n'a pas de bonne réponse : "
            "marquez un choix avec [x]") in out
    assert (f"{NAME}/modules/principes/six-principes.en.md:1: avertissement : traduction « en » "
            "manquante ; l'autre langue sera affichée") in out
    assert f"{NAME} : 4 erreurs, 1 avertissement" in out
    assert "error" not in out and "broken link" not in out

    app.config["LMS_DEFAULT_LOCALE"] = "en"  # a site whose default language is English
    flask_babel.refresh()
    english = runner.invoke(args=["lms", "curricula", "check", str(folder)])
    assert (f"{NAME}/{LESSON_FR}:{link}: error: broken link 'fiche-inexistante'"
            in english.output)
    assert f"{NAME}: 4 errors, 1 warning" in english.output


def test_problems_are_translated_when_shown_not_when_found(app, folder):
    link = second_problem(folder)
    _structure, problems = check_programme(folder)  # found once ...
    [problem] = [p for p in problems.errors if p.line == link]
    with in_language(app, "en"):  # ... read in each person's language
        assert str(problem) == (f"{NAME}/{LESSON_FR}:{link}: error: broken link "
                                "'fiche-inexistante': no lesson or assessment has that id")
    with in_language(app, "fr"):
        assert plain(str(problem)) == (f"{NAME}/{LESSON_FR}:{link}: erreur : lien cassé "
                                       "« fiche-inexistante » : aucune leçon ni évaluation "
                                       "n'a cet id")


def test_problems_without_an_app_are_english_and_sort_and_compare_as_text(folder):
    link = second_problem(folder)
    _add_to_both(folder, "z1", "type: single\n\nQui ?\n\n- [ ] A\n- [ ] B\n")
    _structure, problems = check_programme(folder)
    ordered = sorted(problems.items)
    assert ordered == sorted(problems.items, key=lambda p: (p.path, p.line, p.text))
    same = Problem(f"{NAME}/{LESSON_FR}", link, "broken link 'fiche-inexistante': no lesson or "
                   "assessment has that id")
    assert same in problems.errors and len(set(problems.items)) == len(problems.items)
    assert str(same) in [str(p) for p in problems.errors]


def test_publishing_a_broken_curriculum_fails_with_every_error_in_the_readers_language(
        app, folder):
    link = second_problem(folder)
    with pytest.raises(CurriculumInvalid) as raised:
        load_programme(folder)
    with in_language(app, "fr"):
        message = plain(str(raised.value))
    assert message.startswith("1 erreur dans le contenu de formation :\n")
    assert f"{NAME}/{LESSON_FR}:{link}: erreur : lien cassé « fiche-inexistante »" in message
    with in_language(app, "en"):
        assert str(raised.value).startswith("1 error in the curriculum:\n")
        assert "broken link 'fiche-inexistante'" in str(raised.value)


def test_certificate_validity_must_be_a_number_of_months(folder):
    replace(folder, "manifest.yaml", "modules_passed: all",
            "modules_passed: all\n  validity_months: trois ans")
    line = line_in(folder, "manifest.yaml", "validity_months")
    found = errors(folder)
    assert find(found, "manifest.yaml", line, "validity_months is a whole number of months")
