"""Moodle XML question exports to Markdown quizzes: a file as Moodle 4 writes it, with every
question type it can hold, and files that are broken, hostile or not Moodle's at all."""

import html
import io
from pathlib import Path

from lms.assessment import gift
from tests.conftest import in_language, login, make_user

EXPORT = Path(__file__).parent / "data" / "moodle-questions.xml"


def _line_of(needle: str) -> int:
    lines = EXPORT.read_text(encoding="utf-8").split("\n")
    index = next(n for n, line in enumerate(lines) if needle in line)
    # The line of the <question> element that holds it.
    return next(n for n in range(index, -1, -1) if "<question " in lines[n]) + 1


def _questions(markdown):
    quiz, problems = gift.read_markdown_quiz(markdown, "quiz.fr.md")
    assert quiz is not None, [str(p) for p in problems]
    return {q["id"]: q for q in quiz["questions"]}, quiz


def test_a_moodle_xml_export_converts_every_type_it_can(app):
    with in_language(app, "fr"):
        result = gift.parse_moodle_file(EXPORT.read_bytes())
    assert result.converted == 7
    questions, quiz = _questions(result.markdown)
    assert quiz["title"] == "Police de proximité"  # the first category names the quiz
    assert [q["type"] for q in questions.values()] == [
        "single", "multiple", "truefalse", "short", "numeric", "matching", "essay"]

    principle = questions["Principe-clé"]
    assert principle["points"] == 2.0  # Moodle's default mark
    assert [c["correct"] for c in principle["choices"]] == [True, False, False]
    assert "<strong>cœur</strong>" in principle["stem_html"]
    assert "&amp; des enquêtes" in principle["choices"][2]["html"]
    assert "Oui : avec la population." in principle["choices"][0]["feedback_html"]
    assert "Voir la leçon 1." in principle["feedback_html"]
    # Categories tell questions apart (two here), Moodle's own tags are kept.
    assert principle["tags"] == ["police-de-proximite", "principes"]
    assert questions["Majorité-sexuelle"]["tags"] == ["loi"]

    several = questions["Principes-PNC"]
    assert [c["correct"] for c in several["choices"]] == [True, True, False]
    truth = questions["Majorité-sexuelle"]
    assert [c["correct"] for c in truth["choices"]] == [False, True]
    assert "Exact." in truth["choices"][1]["feedback_html"]
    assert "loi de 2006" in truth["choices"][0]["feedback_html"]
    assert questions["SARA-S"]["accepted"] == ["Scanning", "Repérage"]
    assert (questions["Âge-de-la-majorité"]["answer"],
            questions["Âge-de-la-majorité"]["tolerance"]) == (18.0, 0.0)
    pairs = questions["Étapes-SARA"]
    assert pairs["points"] == 4.0
    assert pairs["answers"] == ["Repérer le problème", "Comprendre ses causes",
                                "Agir avec les partenaires", "Punir les responsables"]
    assert [p["answer"] for p in pairs["pairs"]] == [0, 1, 2]  # the last: a wrong answer
    assert pairs["pairs"][0]["html"] == "<strong>S</strong>canning"
    assert questions["Accueil-victime"]["points"] == 5.0


def test_what_cannot_be_converted_is_reported_at_the_line_of_its_question(app):
    with in_language(app, "en"):
        result = gift.parse_moodle_xml(EXPORT.read_bytes())
        problems = [str(p) for p in result.problems]
    cloze, description = _line_of("Texte à trous"), _line_of("Consignes")
    essay, weights = _line_of("Accueil victime"), _line_of("Principes PNC")
    short = _line_of("SARA S")
    assert f"line {cloze}: question 'Texte-à-trous': embedded answers (Cloze) have no " \
           "equivalent here" in problems
    assert f"line {description}: question 'Consignes': a description has no answers and " \
           "cannot be converted; put its text in the quiz introduction" in problems
    assert any(p.startswith(f"line {essay}: question 'Accueil-victime': images are not "
                            "carried over") and "(Plan du poste)" in p for p in problems)
    assert any(p.startswith(f"line {essay}: question 'Accueil-victime': the information "
                            "for graders was left out") for p in problems)
    assert any(p.startswith(f"line {weights}: question 'Principes-PNC': weights became equal "
                            "shares") for p in problems)
    assert any(p.startswith(f"line {short}: question 'SARA-S': answers giving less than "
                            "full credit were left out") for p in problems)
    renamed = [p for p in problems if "became the id" in p]
    assert len(problems) - len(renamed) == 6
    # Every converted title with a space is reported where it was renamed, once.
    assert f"line {short}: question 'SARA-S': the title 'SARA S' became the id 'SARA-S' (an id " \
           "holds letters, digits, '-' and '_'; the quiz shows no title to trainees)" in renamed
    assert len(renamed) == 7 and not any("Texte" in p for p in renamed)
    # Left-out questions are not in the quiz at all.
    assert "Texte-à-trous" not in result.markdown and "Consignes" not in result.markdown


def test_case_sensitive_short_answers_decimal_commas_units_and_no_right_answer(app):
    xml = """<?xml version="1.0" encoding="ISO-8859-1"?>
<quiz>
  <question type="shortanswer">
    <name><text>Sigle</text></name>
    <questiontext format="plain_text"><text>Sigle de la Direction générale de migration ?</text>
    </questiontext>
    <usecase>1</usecase>
    <answer fraction="100"><text>DGM</text></answer>
  </question>
  <question type="numerical">
    <name><text>Distance</text></name>
    <questiontext format="plain_text"><text>Distance en km ?</text></questiontext>
    <answer fraction="100"><text>2,5</text><tolerance>0,5</tolerance></answer>
    <units><unit><multiplier>1</multiplier><unit_name>km</unit_name></unit></units>
  </question>
  <question type="multichoice">
    <name><text>Sans bonne réponse</text></name>
    <questiontext format="plain_text"><text>Choisissez.</text></questiontext>
    <single>true</single>
    <answer fraction="50"><text>A</text></answer>
    <answer fraction="0"><text>B</text></answer>
  </question>
</quiz>
""".encode("latin-1")
    with in_language(app, "en"):
        result = gift.parse_moodle_xml(xml)
        problems = [str(p) for p in result.problems]
    questions, _quiz = _questions(result.markdown)
    assert questions["Sigle"]["match"] == "exact"
    assert "générale" in questions["Sigle"]["stem_html"]  # the declared encoding is read
    assert (questions["Distance"]["answer"], questions["Distance"]["tolerance"]) == (2.5, 0.5)
    assert "line 10: question 'Distance': units were left out: the trainee types the number " \
           "only" in problems
    assert "line 16: question 'Sans-bonne-réponse': no answer gives full credit" in problems
    assert result.converted == 2


def test_broken_hostile_and_foreign_files_are_refused_with_a_line(app):
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE quiz [\n<!ENTITY a "aaaaaaaaaa">\n'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<quiz>&b;</quiz>\n')
    external = ('<?xml version="1.0"?>\n<!DOCTYPE quiz [\n'
                '<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n<quiz>&x;</quiz>\n')
    broken = '<?xml version="1.0"?>\n<quiz>\n  <question type="essay">\n</quiz>\n'
    foreign = '<?xml version="1.0"?>\n<html><body>Bonjour</body></html>\n'
    with in_language(app, "en"):
        for text in (laughs, external):
            result = gift.parse_moodle_file(text.encode())
            assert result.converted == 0 and "passwd" not in result.markdown
            assert [str(p) for p in result.problems] == [
                "line 1: the file declares XML entities or external references, which are "
                "refused for safety"]
        result = gift.parse_moodle_file(broken)
        assert result.converted == 0
        assert str(result.problems[0]).startswith("line 4: this is not well-formed XML")
        result = gift.parse_moodle_file(foreign)
        assert [str(p) for p in result.problems] == [
            "line 2: this is not a Moodle XML question file (it starts with <html>, not "
            "<quiz>)"]
    with in_language(app, "fr"):
        message = str(gift.parse_moodle_file(broken).problems[0]).replace("\xa0", " ")
        assert message.startswith("ligne 4 : ce n'est pas du XML bien formé")


def test_staff_convert_a_moodle_xml_file_on_the_conversion_page(app, client):
    login(client, make_user(roles=("staff",)))
    page = client.post("/assessment/gift", data={
        "file": (io.BytesIO(EXPORT.read_bytes()), "questions-PNC-20261120.xml"),
        "title": "Quiz importé de Moodle", "lang": "fr"}, content_type="multipart/form-data")
    assert page.status_code == 200
    text = html.unescape(page.text).replace("\xa0", " ")
    assert "7 questions converties" in text
    assert 'title: "Quiz importé de Moodle"' in text and "type: matching" in text
    line = _line_of("Texte à trous")
    assert (f"ligne {line} : question « Texte-à-trous » : les réponses intégrées (Cloze) "
            "n'ont pas d'équivalent ici") in text
    assert "<img" not in page.text.split("<main")[1]  # the file's HTML is never run or shown


def test_cli_converts_a_moodle_xml_file(runner, tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(EXPORT.read_bytes())
    result = runner.invoke(args=["lms", "quiz", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "## Question Étapes-SARA" in result.stdout
    line = _line_of("Consignes")
    assert f"export.xml:{line}: question « Consignes »" in result.stderr.replace("\xa0", " ")
    assert "converted quiz" not in result.stderr  # the result passes the checker
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0"?>\n<quiz>\n</quiz>\n')
    refused = runner.invoke(args=["lms", "quiz", "import", str(empty)])
    assert refused.exit_code != 0
