"""Curriculum text never brings a script, an event handler or a dangerous link to a page."""

from html.parser import HTMLParser

from lms.curricula.parser import MAX_FILE_BYTES, check_programme
from lms.curricula.render import render_markdown
from lms.extensions import db
from lms.learning.models import Attempt
from tests.conftest import (
    choice,
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    publish,
)

EVIL = """
Un paragraphe <script>alert('x')</script> avec du HTML brut.

<script src="https://evil.example/x.js"></script>

<img src="x" onerror="alert(1)">

<div onclick="alert(2)" style="position:fixed">bloc brut</div>

<iframe src="https://evil.example"></iframe>

[lien piégé](javascript:alert(1)) et [autre](JaVaScRiPt:alert(3))

[données](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

![image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)

![vraie image](javascript:alert(5))

<a href="javascript:alert(6)">brut</a>

[vbs](vbscript:msgbox(1))
"""


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_safe(html: str) -> None:
    """No script-capable element, no event handler or style, no script-bearing URL."""
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        if tag == "script" and "/static/quiz.js?" in dict(attrs).get("src", "") + "?":
            continue  # the LMS's own script file
        assert tag not in ("script", "iframe", "object", "embed", "svg", "style"), tag
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name)
            if name in ("href", "src"):
                value = (value or "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), value


def test_render_removes_scripts_handlers_and_dangerous_links():
    html = render_markdown(EVIL + "[encodé](jav&#x09;ascript:alert(4))")
    assert_safe(html)
    assert "avec du HTML brut" in html  # the text itself survives, as text


def test_inline_rendering_is_sanitised_too():
    assert_safe(render_markdown('<img src=x onerror="alert(1)"> [a](javascript:alert(1))',
                                inline=True))


def test_safe_links_and_formatting_are_kept():
    html = render_markdown("**gras** [site](https://example.org) [mail](mailto:a@b.cd)")
    assert "<strong>gras</strong>" in html
    assert 'href="https://example.org"' in html and 'href="mailto:a@b.cd"' in html
    assert 'rel="noopener noreferrer"' in html


def test_deep_nesting_is_capped():
    deep_quote = ">" * 500 + " fond\n"
    deep_list = "".join("  " * depth + "- niveau\n" for depth in range(200))
    for text in (deep_quote, deep_list):
        html = render_markdown(text)
        assert html.count("<blockquote>") <= 20
        assert html.count("<ul>") <= 20


def test_oversized_file_is_refused(tmp_path):
    folder = make_programme_folder(tmp_path)
    rel = "modules/principes/six-principes.fr.md"
    path = folder / rel
    path.write_text(path.read_text(encoding="utf-8") + "x" * (MAX_FILE_BYTES + 1),
                    encoding="utf-8")
    _structure, problems = check_programme(folder)
    assert [p for p in problems.errors if p.path == f"police-de-proximite/{rel}"
            and p.line == 1 and "too large" in p.message]


def test_a_lesson_and_a_quiz_with_hostile_content_reach_the_page_clean(app, client, tmp_path):
    db.session.rollback()
    folder = make_programme_folder(tmp_path)
    lesson = folder / "modules/principes/six-principes.fr.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + EVIL, encoding="utf-8")
    for lang in ("fr", "en"):
        quiz = folder / f"modules/principes/quiz-principes.{lang}.md"
        quiz.write_text(quiz.read_text(encoding="utf-8") + (
            "\n## Question evil\ntype: single\n"
            "feedback: <img src=x onerror=alert(7)>\n\n"
            "Choisir <script>alert(8)</script> ?\n\n"
            "- [x] <b onmouseover=alert(9)>oui</b> [x](javascript:alert(10))\n"
            "  > <script>alert(11)</script> bravo\n"
            "- [ ] non\n"), encoding="utf-8")
    enrolment = make_enrolment(cohort=make_cohort(publish(folder)))
    login(client, enrolment.user)
    page = client.get(f"/learn/{enrolment.id}/principes/six-principes")
    assert page.status_code == 200
    assert "avec du HTML brut" in page.text
    assert_safe(page.text.split('<main id="main">', 1)[1])
    start = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start")
    attempt_url = start.headers["Location"]
    attempt_id = attempt_url.split("/")[2]
    for number in range(1, 7):
        question = client.get(f"/attempt/{attempt_id}/{number}")
        assert question.status_code == 200
        assert_safe(question.text.split('<main id="main">', 1)[1])
    db.session.rollback()
    order = db.session.get(Attempt, int(attempt_id)).question_order
    client.post(f"/attempt/{attempt_id}/{order.index('evil') + 1}",
                data={"answer": choice(int(attempt_id), "evil", 0)})
    client.post(f"/attempt/{attempt_id}/submit")
    result = client.get(f"/attempt/{attempt_id}/result")
    assert result.status_code == 200 and "bravo" in result.text
    assert_safe(result.text.split('<main id="main">', 1)[1])
