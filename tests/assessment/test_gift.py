"""Moodle GIFT files to Markdown quizzes and back."""

import io

from lms.assessment import gift
from lms.curricula.problems import Problems
from lms.curricula.quizfile import parse_quiz_body
from tests.conftest import CURRICULA, login, make_user, publish

MOODLE_EXPORT = (
    "\ufeff// question: 1201  name: Principes\r\n"
    "// Exporté depuis Moodle\r\n"
    "$CATEGORY: $course$/top/Police de proximité/Principes\r\n"
    "\r\n"
    "::Principe 1::[html]<p>Lequel de ces principes est <strong>au cœur</strong> de la "
    "police de proximité ?</p>{\r\n"
    "\t=<p>Le partenariat avec la population</p>"
    "#<p>Oui : avec elle, pas seulement pour elle.</p>\r\n"
    "\t~<p>La force d'abord</p>#<p>Non : dernier recours.</p>\r\n"
    "\t~<p>Le secret des opérations</p>\r\n"
    "\t####<p>Revoir la leçon sur les six principes.</p>\r\n"
    "}\r\n"
    "\r\n"
    "::Prévention::Cochez les principes enseignés dans la PNC. {\r\n"
    "\t~%50%Prévention\r\n"
    "\t~%50%Résolution des problèmes\r\n"
    "\t~%-100%Intimidation\r\n"
    "}\r\n"
    "\r\n"
    "// vrai ou faux\r\n"
    "::Majorité::Un mineur de moins de 18 ans peut consentir à un acte sexuel.{FALSE#Non."
    "#Exact \\: la loi de 2006 le protège.}\r\n"
    "\r\n"
    "::SARA::Que signifie la lettre « S » du modèle SARA ? {=Scanning =Repérage}\r\n"
    "\r\n"
    "::Âge::À partir de quel âge est-on majeur ? {#18:0}\r\n"
    "\r\n"
    "::Plage::Combien de principes (entre 5 et 7) ? {#5..7}\r\n"
    "\r\n"
    "::Échappés::Que vaut 2\\+2 \\= ? Écrivez \\{quatre\\} ou \\#4 {=quatre}\r\n"
    "\r\n"
    "::Essai::Décrivez l'accueil d'une victime au poste.{}\r\n"
    "\r\n"
    "::Associer::Associez. {=CLSP -> conseil local =SARA -> méthode}\r\n"
    "\r\n"
    "::Mot manquant::La police travaille {=avec ~contre} la population.\r\n"
)


def _check(markdown):
    """Run the curriculum checker's quiz parser over the produced file."""
    problems = Problems()
    quiz, items = gift.read_markdown_quiz(markdown, "quiz.fr.md")
    assert quiz is not None, [str(p) for p in items]
    return quiz, problems


def test_a_moodle_export_with_bom_crlf_and_accents_converts_to_a_valid_quiz():
    result = gift.parse_gift(MOODLE_EXPORT.encode("utf-8"), lang="fr")
    quiz, _ = _check(result.markdown)
    by_id = {q["id"]: q for q in quiz["questions"]}
    assert quiz["title"] == "Principes"
    assert list(by_id) == ["Principe-1", "Prevention", "Majorite", "SARA", "Age", "Plage",
                           "Echappes", "Essai"]
    p1 = by_id["Principe-1"]
    assert p1["type"] == "single" and [c["correct"] for c in p1["choices"]] == [True, False,
                                                                                 False]
    assert "au cœur" in p1["stem_html"] and "<strong>" not in p1["stem_html"]
    assert "avec elle" in p1["choices"][0]["feedback_html"]
    assert "six principes" in p1["feedback_html"]
    assert p1["tags"] == ["principes"]
    multi = by_id["Prevention"]
    assert multi["type"] == "multiple" and [c["correct"] for c in multi["choices"]] == \
        [True, True, False]
    tf = by_id["Majorite"]
    assert tf["type"] == "truefalse"
    assert [(c["html"], c["correct"]) for c in tf["choices"]] == [("Vrai", False),
                                                                   ("Faux", True)]
    assert "la loi de 2006" in tf["choices"][1]["feedback_html"]  # right answer's feedback
    assert "Non." in tf["choices"][0]["feedback_html"]
    assert by_id["SARA"]["accepted"] == ["Scanning", "Repérage"]
    assert (by_id["Age"]["answer"], by_id["Age"]["tolerance"]) == (18, 0)
    assert (by_id["Plage"]["answer"], by_id["Plage"]["tolerance"]) == (6, 1)
    assert "2+2 = ? Écrivez {quatre} ou #4" in by_id["Echappes"]["stem_html"]
    assert by_id["Essai"]["type"] == "essay"
    messages = {p.line: p.message for p in result.problems}
    lines = MOODLE_EXPORT.removeprefix("\ufeff").split("\r\n")
    assert "matching" in messages[lines.index(next(x for x in lines if "Associer" in x)) + 1]
    assert "missing-word" in messages[lines.index(next(x for x in lines if "manquant" in x)) + 1]
    assert result.converted == 8


def test_unsupported_and_broken_questions_are_reported_by_line():
    text = "Une description sans réponses.\n\n::X::Question {=a ~b\n"
    result = gift.parse_gift(text)
    assert [(p.line, "description" in p.message or "never closed" in p.message)
            for p in result.problems] == [(1, True), (3, True)]
    assert result.converted == 0


def _signature(q):
    return (q["id"], q["type"], tuple(c["correct"] for c in q.get("choices", [])),
            q.get("answer"), q.get("tolerance"), tuple(q.get("accepted", [])))


def test_round_trip_of_a_bundled_quiz_through_gift_keeps_questions_and_keys():
    source = (CURRICULA / "police-de-proximite/modules/principes/quiz-principes.fr.md")
    quiz, problems = gift.read_markdown_quiz(source.read_text(), str(source))
    assert quiz is not None, problems
    exported = gift.export_gift(quiz, "test")
    again = gift.parse_gift(exported, lang="fr")
    assert again.problems == []
    back, problems = gift.read_markdown_quiz(again.markdown)
    assert back is not None, [str(p) for p in problems]
    assert [_signature(q) for q in back["questions"]] == \
        [_signature(q) for q in quiz["questions"]]
    for before, after in zip(quiz["questions"], back["questions"], strict=True):
        plain = " ".join(gift._plain(before["stem_html"], "html").split())
        assert plain in " ".join(after["stem_html"].replace("<p>", "").replace("</p>", "")
                                 .split()) or plain[:30] in after["stem_html"]


def test_round_trip_of_the_moodle_file_is_stable():
    first = gift.parse_gift(MOODLE_EXPORT)
    quiz, _ = _check(first.markdown)
    second = gift.parse_gift(gift.export_gift(quiz))
    quiz2, _ = _check(second.markdown)
    assert [_signature(q) for q in quiz2["questions"]] == \
        [_signature(q) for q in quiz["questions"]]


def test_cli_imports_and_exports(runner, tmp_path):
    path = tmp_path / "moodle.txt"
    path.write_bytes(MOODLE_EXPORT.encode("utf-8"))
    result = runner.invoke(args=["lms", "quiz", "import-gift", str(path)])
    assert result.exit_code == 0
    assert "## Question Principe-1" in result.stdout
    assert "matching" in result.stderr and "moodle.txt:line" in result.stderr
    same = runner.invoke(args=["lms", "gift", "import", str(path)])
    assert same.stdout == result.stdout
    md = tmp_path / "quiz.fr.md"
    md.write_text(result.stdout)
    exported = runner.invoke(args=["lms", "quiz", "export-gift", str(md)])
    assert exported.exit_code == 0 and "::Principe-1::[html]" in exported.stdout


def test_staff_upload_a_gift_file_and_download_markdown(app, client):
    staff = make_user(roles=("staff",))
    login(client, staff)
    page = client.post("/assessment/gift", data={
        "file": (io.BytesIO(MOODLE_EXPORT.encode("utf-8")), "moodle.txt"),
        "title": "", "lang": "fr"}, content_type="multipart/form-data")
    assert page.status_code == 200
    assert "8 questions converted" in page.text and "matching" in page.text
    download = client.post("/assessment/gift/download", data={"markdown": "---\ntitle: x\n---"})
    assert download.headers["Content-Disposition"].startswith("attachment")
    version = publish()
    exported = client.get(f"/assessment/gift/export/{version.id}/principes/quiz-principes.gift")
    assert exported.status_code == 200 and "::pr1::[html]" in exported.text


def test_parse_quiz_body_accepts_the_generated_markdown_escapes():
    problems = Problems()
    body = "\n## Question q1\ntype: essay\n\n\\- pas une liste\n\\# pas un titre\n"
    _intro, questions = parse_quiz_body(body, 1, "x.md", problems, lambda h, n: None)
    assert not problems.errors and "pas une liste" in questions[0]["stem_html"]
