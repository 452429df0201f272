"""Moodle GIFT files to Markdown quizzes and back, with files written as Moodle writes them
and as trainers write them by hand."""

import html
import io

import pytest

from lms.assessment import gift
from lms.curricula.problems import Problems
from lms.curricula.quizfile import parse_quiz_body
from tests.conftest import CURRICULA, in_language, login, make_user, publish

# As Moodle 4 exports a question bank: BOM, CRLF, "// question:" comments, [tag:] comments,
# categories, [html] texts with escaped attributes, entities and images, matching pairs with
# their own formats, numeric answers with weights and a catch-all feedback.
MOODLE_EXPORT = (
    "\ufeff// question: 0  name: Switch category to $course$/top/Défaut pour PNC/Principes\r\n"
    "$CATEGORY: $course$/top/Défaut pour PNC/Principes\r\n"
    "\r\n"
    "\r\n"
    "// question: 1201  name: Principe 1\r\n"
    "// [tag:principes] [tag:PNC]\r\n"
    "::Principe 1::[html]<p dir\\=\"ltr\" style\\=\"text-align\\: left;\">Lequel de ces principes "
    "est <strong>au cœur</strong> de la police de proximité&nbsp;?<br></p>{\r\n"
    "\t=<p dir\\=\"ltr\">Le partenariat avec la population<br></p>"
    "#<p>Oui : avec elle, pas seulement pour elle.</p>\r\n"
    "\t~<p>La force d'abord</p>#<p>Non : dernier recours.</p>\r\n"
    "\t~<p>Le secret des opérations</p>\r\n"
    "\t####<p>Revoir <a href\\=\"https\\://pnc.example.org/principes\\#six\" "
    "target\\=\"_blank\">la leçon</a> sur les six principes.</p>\r\n"
    "}\r\n"
    "\r\n"
    "// question: 1202  name: Prévention\r\n"
    "::Prévention::[html]<p>Cochez les principes enseignés dans la PNC.</p>"
    "<p><img src\\=\"@@PLUGINFILE@@/affiche.png\" alt\\=\"Affiche de la PNC\" width\\=\"400\">"
    "</p><script>alert(1)</script>{\r\n"
    "\t~%50%Prévention\r\n"
    "\t~%50%Résolution des problèmes\r\n"
    "\t~%-100%Intimidation\r\n"
    "}\r\n"
    "\r\n"
    "// question: 0  name: Switch category to $course$/top/Défaut pour PNC/Loi\r\n"
    "$CATEGORY: $course$/top/Défaut pour PNC/Loi\r\n"
    "\r\n"
    "// question: 1203  name: Majorité\r\n"
    "::Majorité::[html]<p>Un mineur de moins de 18 ans peut consentir à un acte sexuel.</p>{FALSE"
    "#Non.#Exact \\: la loi de 2006 le protège.}\r\n"
    "\r\n"
    "// question: 1204  name: SARA\r\n"
    "::SARA::[html]<p>Que signifie la lettre « S » du modèle SARA ?</p>{\r\n"
    "\t=%100%Scanning#\r\n"
    "\t=%100%Repérage#\r\n"
    "}\r\n"
    "\r\n"
    "// question: 1205  name: Âge\r\n"
    "::Âge::[html]<p>À partir de quel âge est-on majeur ?</p>{#\r\n"
    "\t=%100%18:0#\r\n"
    "}\r\n"
    "\r\n"
    "::Plage::Combien de principes (entre 5 et 7) ? {#5..7}\r\n"
    "\r\n"
    "::Échappés::Que vaut 2+2 \\= ? Écrivez \\{quatre\\} ou \\#4 {=quatre}\r\n"
    "\r\n"
    "// question: 1206  name: Essai\r\n"
    "::Essai::[html]<p>Décrivez l'accueil d'une victime au poste.</p>{}\r\n"
    "\r\n"
    "// question: 1207  name: Associer\r\n"
    "::Associer::[html]<p>Associez chaque <b>acteur</b> à son rôle.</p>{\r\n"
    "\t=[html]<p>Le <i>CLSP</i></p> -> conseil local de sécurité\r\n"
    "\t=[plain]Le forum de quartier -> lieu d'échange avec les habitants\r\n"
    "\t=[moodle]La police -> partenaire\r\n"
    "\t= -> adversaire\r\n"
    "}\r\n"
    "\r\n"
    "// question: 1208  name: Mot manquant\r\n"
    "::Mot manquant::[html]<p>La police travaille {=avec ~contre} la population.</p>\r\n"
)

# As trainers write GIFT by hand, from Moodle's documentation: no titles, missing words, weights,
# escaped characters, a question split over lines, several numeric answers.
HAND_WRITTEN = """// Questions écrites dans un éditeur de texte.

Le chef de poste est {~le plus jeune =le plus gradé ~le premier arrivé} au poste.

La police de proximité est née en RDC en {#2013:1}.

La loi de 2006 protège les mineurs de moins de {=18 =dix-huit} ans.

L'usage de la force doit rester nécessaire et {
    ~rapide#Non : la rapidité n'est pas un critère.
    =proportionné#Oui.
    ~%50%visible#En partie seulement.
} en toute circonstance.

::Symboles::Quel caractère n'est PAS spécial en GIFT ? {
   ~ \\~     # \\~ est spécial.
   ~ \\=     # \\= est spécial.
   = \\\\     # Exact : \\\\ sert seulement à échapper les autres.
}

Associez les services de la frontière. {
    =DGM -> migration
    =OCC->contrôle des marchandises
    =PNC -> sécurité
}

::Naissance::Quand la PNC a-t-elle été créée ? {#
    =2002:0      # Exact.
    =%50%2002:2  # Presque.
}
"""


def _check(markdown):
    """Run the curriculum checker's quiz parser over the produced file."""
    quiz, items = gift.read_markdown_quiz(markdown, "quiz.fr.md")
    assert quiz is not None, [str(p) for p in items]
    return quiz


def _line_of(text, needle):
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_a_moodle_export_with_bom_crlf_html_and_categories_converts_to_a_valid_quiz():
    result = gift.parse_gift(MOODLE_EXPORT.encode("utf-8"), lang="fr")
    quiz = _check(result.markdown)
    by_id = {q["id"]: q for q in quiz["questions"]}
    assert quiz["title"] == "Principes"
    assert list(by_id) == ["Principe-1", "Prévention", "Majorité", "SARA", "Âge", "Plage",
                           "Échappés", "Essai", "Associer", "Mot-manquant"]
    assert result.converted == 10
    p1 = by_id["Principe-1"]
    assert p1["type"] == "single" and [c["correct"] for c in p1["choices"]] == [True, False,
                                                                                 False]
    assert "<strong>au cœur</strong> de la police de proximité ?" in p1["stem_html"]
    assert "dir=" not in p1["stem_html"] and "&amp;nbsp" not in p1["stem_html"]
    assert p1["choices"][0]["html"] == "Le partenariat avec la population"
    assert "avec elle" in p1["choices"][0]["feedback_html"]
    assert '<a href="https://pnc.example.org/principes#six"' in p1["feedback_html"]
    assert p1["tags"] == ["principes", "pnc"]  # category and Moodle's [tag:] comments
    multi = by_id["Prévention"]
    assert multi["type"] == "multiple" and [c["correct"] for c in multi["choices"]] == \
        [True, True, False]
    assert "(image : Affiche de la PNC)" in multi["stem_html"]
    assert "<img" not in multi["stem_html"] and "alert" not in result.markdown
    tf = by_id["Majorité"]
    assert tf["type"] == "truefalse" and tf["tags"] == ["loi"]
    assert [(c["html"], c["correct"]) for c in tf["choices"]] == [("Vrai", False),
                                                                   ("Faux", True)]
    assert "la loi de 2006" in tf["choices"][1]["feedback_html"]  # right answer's feedback
    assert "Non." in tf["choices"][0]["feedback_html"]
    assert by_id["SARA"]["accepted"] == ["Scanning", "Repérage"]
    assert (by_id["Âge"]["answer"], by_id["Âge"]["tolerance"]) == (18, 0)
    assert (by_id["Plage"]["answer"], by_id["Plage"]["tolerance"]) == (6, 1)
    assert "2+2 = ? Écrivez {quatre} ou #4" in by_id["Échappés"]["stem_html"]
    assert by_id["Essai"]["type"] == "essay"
    match = by_id["Associer"]
    assert match["type"] == "matching"
    assert [p["html"] for p in match["pairs"]] == ["Le <em>CLSP</em>", "Le forum de quartier",
                                                   "La police"]
    assert match["answers"] == ["conseil local de sécurité", "lieu d'échange avec les habitants",
                                "partenaire", "adversaire"]
    assert [p["answer"] for p in match["pairs"]] == [0, 1, 2]
    blank = by_id["Mot-manquant"]
    assert blank["type"] == "single"
    assert blank["stem_html"] == "<p>La police travaille _____ la population.</p>\n"
    assert [(c["html"], c["correct"]) for c in blank["choices"]] == [("avec", True),
                                                                      ("contre", False)]
    # Only the -100 % penalty (a share here) and the image are worth a word.
    line = _line_of(MOODLE_EXPORT, "::Prévention::")
    kept = [p for p in result.problems if "became the id" not in p.message]
    assert [(p.line, p.message.split(": ")[1][:20]) for p in kept] == \
        [(line, "weights became equal"), (line, "images are not part ")]
    assert "Affiche de la PNC" in kept[1].message
    # Titles with spaces keep their words, joined by '-': each said once, at its line.
    assert [p.message.split("'")[3] for p in result.problems if "became the id" in p.message
            ] == ["Principe 1", "Mot manquant"]


def test_hand_written_gift_with_missing_words_weights_and_escapes():
    result = gift.parse_gift(HAND_WRITTEN, lang="fr")
    quiz = _check(result.markdown)
    q = quiz["questions"]
    assert [x["type"] for x in q] == ["single", "numeric", "short", "single", "single",
                                      "matching", "numeric"]
    assert q[0]["stem_html"] == "<p>Le chef de poste est _____ au poste.</p>\n"
    assert [c["correct"] for c in q[0]["choices"]] == [False, True, False]
    assert (q[1]["answer"], q[1]["tolerance"]) == (2013, 1)
    assert "née en RDC en _____." in q[1]["stem_html"]
    assert q[2]["accepted"] == ["18", "dix-huit"] and "moins de _____ ans" in q[2]["stem_html"]
    assert "proportionné et _____" not in q[3]["stem_html"]
    assert "nécessaire et _____ en toute circonstance" in q[3]["stem_html"]
    assert [c["correct"] for c in q[3]["choices"]] == [False, True, False]
    assert [c["html"] for c in q[4]["choices"]] == ["~", "=", "\\"]
    assert [c["correct"] for c in q[4]["choices"]] == [False, False, True]
    assert q[5]["answers"] == ["migration", "contrôle des marchandises", "sécurité"]
    assert (q[6]["answer"], q[6]["tolerance"]) == (2002, 0)
    reported = [(p.line, p.message) for p in result.problems]
    assert [line for line, _m in reported] == [_line_of(HAND_WRITTEN, "nécessaire et {")] + \
        [_line_of(HAND_WRITTEN, "::Naissance::")] * 2
    assert "partial-credit" in reported[0][1]
    assert "first full-credit number" in reported[1][1] and "feedback" in reported[2][1]


def test_html_is_cleaned_into_markdown_and_plain_text_stays_literal():
    text = ("::H::[html]<h2>Consigne</h2><p>Lisez <em>bien</em>&nbsp;:</p>"
            "<ul><li>un <b>point</b></li><li>deux</li></ul>"
            "<p onclick\\=\"steal()\">Voir <a href\\=\"javascript\\:steal()\">ici</a>.</p>"
            "<style>p\\{color\\:red\\}</style><iframe src\\=\"https\\://evil.example\"></iframe>"
            "<pre>## pas un titre</pre>{=a ~b}\n\n"
            "::P::[plain]Écrivez <b>gras</b> *sans* effet {=a ~b}\n\n"
            "::M::[markdown]# Titre\nDu **gras** {=a ~b}\n")
    result = gift.parse_gift(text)
    quiz = _check(result.markdown)
    html_q, plain_q, md_q = quiz["questions"]
    assert "<strong>Consigne</strong>" in html_q["stem_html"]
    assert "<em>bien</em>" in html_q["stem_html"]
    assert "<li>un <strong>point</strong></li>" in html_q["stem_html"]
    assert "## pas un titre" in html_q["stem_html"] and "<pre>" in html_q["stem_html"]
    for bad in ("onclick", "steal", "javascript", "color:red", "iframe", "evil"):
        assert bad not in html_q["stem_html"] and bad not in result.markdown
    assert "&lt;b&gt;gras&lt;/b&gt; *sans* effet" in plain_q["stem_html"]
    assert "<strong>Titre</strong>" in md_q["stem_html"] and "<h1>" not in md_q["stem_html"]


def test_what_cannot_be_converted_is_reported_by_line():
    text = ("Une description sans réponses.\n\n"
            "::X::Question {=a ~b\n\n"
            "::C::Deux {=a ~b} trous {=c ~d}.\n\n"
            "::M::Associez. {=un -> 1}\n\n"
            "::N::Combien ? {#beaucoup}\n\n"
            "::I::[html]Lequel ? {=<img src\\=\"a.png\"> ~b}\n\n"
            "::Bon::Vrai ? {T}\n")
    result = gift.parse_gift(text)
    found = [(p.line, p.message) for p in result.problems]
    assert [line for line, _m in found] == [1, 3, 5, 7, 9, 11]
    assert "description" in found[0][1] and "never closed" in found[1][1]
    assert "Cloze" in found[2][1] and "two pairs" in found[3][1]
    assert "not a number" in found[4][1] and "an answer has no text" in found[5][1]
    assert result.converted == 1 and "## Question Bon" in result.markdown


def test_a_windows_1252_file_from_an_old_editor_is_read():
    text = "::Délit::Un délit est jugé par le tribunal de paix ?\r\n{T#Non.#Oui, en premier.}"
    result = gift.parse_gift(text.encode("cp1252"))
    quiz = _check(result.markdown)
    assert quiz["questions"][0]["id"] == "Délit"
    assert "délit est jugé" in quiz["questions"][0]["stem_html"]


def test_questions_without_a_blank_line_between_them_are_still_separate():
    result = gift.parse_gift("::A::Vrai ? {T}\n::B::Faux ? {F}\n")
    quiz = _check(result.markdown)
    assert [q["id"] for q in quiz["questions"]] == ["A", "B"]
    assert "_____" not in result.markdown


def _signature(q):
    return (q["id"], q["type"], tuple(c["correct"] for c in q.get("choices", [])),
            q.get("answer"), q.get("tolerance"), tuple(q.get("accepted", [])),
            tuple((p["html"], p["answer"]) for p in q.get("pairs", [])),
            tuple(q.get("answers", [])))


BUNDLED_QUIZZES = sorted([*CURRICULA.glob("*/modules/*/quiz-*.md"),
                          *CURRICULA.glob("*/evaluations/*.md")])


@pytest.mark.parametrize("source", BUNDLED_QUIZZES, ids=lambda p: p.name)
def test_round_trip_of_every_bundled_quiz_through_gift_keeps_questions_keys_and_texts(source):
    quiz, problems = gift.read_markdown_quiz(source.read_text(), str(source))
    assert quiz is not None, problems
    exported = gift.export_gift(quiz, "test")
    again = gift.parse_gift(exported, lang=source.suffixes[0][1:])
    assert again.problems == []
    back = _check(again.markdown)
    assert back["title"] == quiz["title"]
    assert [_signature(q) for q in back["questions"]] == \
        [_signature(q) for q in quiz["questions"]]
    for before, after in zip(quiz["questions"], back["questions"], strict=True):
        assert after["stem_html"].split() == before["stem_html"].split()
        assert after["feedback_html"] == before["feedback_html"]
        assert after["tags"] == before["tags"]
        assert [(c["html"], c["feedback_html"]) for c in after.get("choices", [])] == \
            [(c["html"], c["feedback_html"]) for c in before.get("choices", [])]


MATCHING_AND_BLANK = """---
title: Quiz — SARA
---

## Question sara
type: matching
points: 4
tags: sara
feedback: Revoir la leçon sur le modèle **SARA**.

Associez chaque étape du modèle SARA à ce qu'elle demande.

- **S**canning -> Repérer le problème
- *Analysis* -> Comprendre ses causes
- Response -> Agir avec les partenaires : \\{ensemble\\}
- -> Punir les responsables

## Question clsp
type: single

Le CLSP se réunit \\_\\_\\_\\_\\_ avec la police.

- [x] régulièrement
  > Oui.
- [ ] une fois par an
"""


def test_matching_and_missing_word_questions_survive_a_round_trip_through_moodle_gift():
    quiz = _check(MATCHING_AND_BLANK)
    exported = gift.export_gift(quiz)
    assert "$CATEGORY: $course$/top/Quiz — SARA" in exported
    assert "// [tag:sara]" in exported
    assert "\t=<strong>S</strong>canning -> Repérer le problème\n" in exported
    assert "\t= -> Punir les responsables\n" in exported
    assert "####Revoir la leçon sur le modèle <strong>SARA</strong>." in exported
    assert "::clsp::[html]<p>Le CLSP se réunit {\n\t=régulièrement#Oui.\n\t~une fois par an\n}" \
        " avec la police.</p>" in exported  # Moodle's missing-word form
    again = gift.parse_gift(exported)
    assert again.problems == []
    back = _check(again.markdown)
    assert back["title"] == "Quiz — SARA"
    assert [_signature(q) for q in back["questions"]] == \
        [_signature(q) for q in quiz["questions"]]
    assert back["questions"][0]["tags"] == ["sara"]
    assert back["questions"][0]["answers"][2] == "Agir avec les partenaires : {ensemble}"
    assert back["questions"][1]["stem_html"] == quiz["questions"][1]["stem_html"]
    assert gift.export_gift(back) == exported


def test_round_trip_of_the_moodle_file_is_stable():
    first = gift.parse_gift(MOODLE_EXPORT)
    quiz = _check(first.markdown)
    second = gift.parse_gift(gift.export_gift(quiz))
    quiz2 = _check(second.markdown)
    assert [_signature(q) for q in quiz2["questions"]] == \
        [_signature(q) for q in quiz["questions"]]
    assert [q["stem_html"] for q in quiz2["questions"]] == \
        [q["stem_html"] for q in quiz["questions"]]


def test_cli_imports_and_exports(runner, tmp_path):
    path = tmp_path / "moodle.txt"
    path.write_bytes(MOODLE_EXPORT.encode("utf-8"))
    result = runner.invoke(args=["lms", "quiz", "import-gift", str(path)])
    assert result.exit_code == 0
    assert "## Question Principe-1" in result.stdout and "type: matching" in result.stdout
    line = _line_of(MOODLE_EXPORT, "::Prévention::")
    problems = result.stderr.replace("\xa0", " ")  # French no-break spaces
    assert (f"moodle.txt:{line}: question « Prévention » : les poids sont devenus des parts "
            "égales : chaque bon choix coché rapporte 1/2 des points") in problems
    assert (f"moodle.txt:{line}: question « Prévention » : les images ne font pas partie d'un "
            "fichier GIFT ; leur description est affichée à la place (Affiche de la PNC)"
            in problems)
    assert "converted quiz" not in result.stderr  # the result passes the checker
    same = runner.invoke(args=["lms", "gift", "import", str(path)])
    assert same.stdout == result.stdout
    md = tmp_path / "quiz.fr.md"
    md.write_text(result.stdout)
    exported = runner.invoke(args=["lms", "quiz", "export-gift", str(md)])
    assert exported.exit_code == 0 and "::Principe-1::[html]" in exported.stdout
    assert "::Associer::[html]" in exported.stdout and " -> partenaire" in exported.stdout


def upload_gift(client, text: str):
    return client.post("/assessment/gift", data={
        "file": (io.BytesIO(text.encode("utf-8")), "moodle.txt"),
        "title": "", "lang": "fr"}, content_type="multipart/form-data")


def shown(page) -> str:
    """The page's text as a person reads it (entities decoded, no-break spaces as spaces)."""
    return html.unescape(page.text).replace("\xa0", " ")


BROKEN = MOODLE_EXPORT + "\r\n::Combien::Combien de principes ? {#<b>six</b>}\r\n"


def test_gift_problems_are_shown_by_line_in_the_staff_members_language(app, client):
    line = _line_of(MOODLE_EXPORT, "::Prévention::")
    broken = _line_of(BROKEN, "::Combien::")
    login(client, make_user(roles=("staff",)))
    page = upload_gift(client, BROKEN)
    assert page.status_code == 200
    text = shown(page)
    assert "modules/&lt;module&gt;/&lt;quiz&gt;.fr.md" in page.text  # the advice, shown whole
    assert (f"ligne {line} : question « Prévention » : les poids sont devenus des parts égales : "
            "chaque bon choix coché rapporte 1/2 des points, chaque mauvais choix coché en "
            "retire autant") in text
    assert (f"ligne {broken} : question « Combien » : « <b>six</b> » n'est ni un nombre, ni "
            "« n:tolérance », ni « min..max »") in text
    assert "&lt;b&gt;six&lt;/b&gt;" in page.text  # the file's text is shown, never run
    assert "weights became" not in text

    english = app.test_client()
    login(english, make_user(roles=("staff",), locale="en"))
    text = shown(upload_gift(english, BROKEN))
    assert (f"line {line}: question 'Prévention': weights became equal shares: each right "
            "choice ticked earns 1/2 of the points, each wrong one loses as much") in text
    assert (f"line {broken}: question 'Combien': '<b>six</b>' is not a number, 'n:tolerance' "
            "or 'low..high'") in text
    assert "les poids" not in text


def test_gift_problems_are_translated_when_shown(app):
    problem = gift.parse_gift(BROKEN).problems[-1]  # found once, read in two languages
    with in_language(app, "fr"):
        assert str(problem).replace("\xa0", " ") == (
            f"ligne {problem.line} : question « Combien » : « <b>six</b> » n'est ni un nombre, "
            "ni « n:tolérance », ni « min..max »")
    with in_language(app, "en"):
        assert str(problem) == (f"line {problem.line}: question 'Combien': '<b>six</b>' is "
                                "not a number, 'n:tolerance' or 'low..high'")


def test_staff_upload_a_gift_file_and_download_markdown(app, client):
    staff = make_user(roles=("staff",))
    login(client, staff)
    page = upload_gift(client, MOODLE_EXPORT)
    assert page.status_code == 200
    assert "10 questions converties" in page.text and "Affiche de la PNC" in page.text
    assert "type: matching" in page.text and "<script>" not in page.text.split("<main")[1]
    download = client.post("/assessment/gift/download", data={"markdown": "---\ntitle: x\n---"})
    assert download.headers["Content-Disposition"].startswith("attachment")
    version = publish()
    exported = client.get(f"/assessment/gift/export/{version.id}/principes/quiz-principes.gift")
    assert exported.status_code == 200 and "::pr1::[html]" in exported.text


def test_parse_quiz_body_accepts_the_generated_markdown_escapes():
    problems = Problems()
    body = ("\n## Question q1\ntype: essay\n\n\\- pas une liste\n\\# pas un titre\n"
            "1\\. pas un numéro\n")
    _intro, questions = parse_quiz_body(body, 1, "x.md", problems, lambda h, n: None)
    assert not problems.errors and "pas une liste" in questions[0]["stem_html"]
    assert "<ol" not in questions[0]["stem_html"] and "1. pas un numéro" in \
        questions[0]["stem_html"]
