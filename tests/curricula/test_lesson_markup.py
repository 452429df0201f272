"""Lessons: raw HTML is removed (with a warning), external images are reported, tables keep
their column alignment without inline styles (the pages' content policy refuses them)."""

from lms import resources
from lms.curricula.parser import check_programme
from lms.curricula.render import render_markdown
from tests.conftest import login, make_cohort, make_enrolment, make_programme_folder, publish

LESSON = "modules/principes/six-principes.fr.md"
ADDED = """
Un texte <b>important</b> et <span style="color:red">rouge</span>.

<div class="encadre">Un bloc brut</div>

![Schéma](https://example.org/schema.png)

| Grade | Effectif |
|:------|---------:|
| Agent | 12 |
"""


def _lesson_with_additions(tmp_path):
    folder = make_programme_folder(tmp_path)
    path = folder / LESSON
    before = path.read_text(encoding="utf-8")
    path.write_text(before + ADDED, encoding="utf-8")
    first = before.count("\n") + 1  # the file line of ADDED's first line
    return folder, first


def test_raw_html_is_removed_not_shown_escaped():
    html = render_markdown('Un texte <b>important</b> et <span style="x">rouge</span>.\n\n'
                           "<div>Un bloc brut</div>\n")
    assert "&lt;" not in html and "<b>" not in html and "<span" not in html
    assert "Un texte important et rouge." in html
    assert "bloc brut" not in html


def test_table_column_alignment_is_kept_as_a_class():
    html = render_markdown("| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |\n")
    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-right">2</td>' in html and '<td class="align-center">3</td>' in html
    assert "style=" not in html


def test_the_checker_warns_of_raw_html_and_external_images_at_file_and_line(tmp_path):
    folder, first = _lesson_with_additions(tmp_path)
    _structure, problems = check_programme(folder)
    path = f"police-de-proximite/{LESSON}"
    warnings = {(p.line, str(p.message)) for p in problems.warnings if p.path == path}
    raw = {line for line, message in warnings if "HTML" in message}
    images = {line for line, message in warnings if "image" in message}
    assert raw == {first + 1, first + 3}
    assert images == {first + 5}
    assert not problems.errors


def test_the_lesson_page_shows_no_raw_html_and_an_aligned_table(app, client, tmp_path):
    folder, _first = _lesson_with_additions(tmp_path)
    enrolment = make_enrolment(cohort=make_cohort(publish(folder)))
    login(client, enrolment.user)
    page = client.get(f"/learn/{enrolment.id}/principes/six-principes")
    assert page.status_code == 200
    main = page.text.split('<main id="main">', 1)[1]
    assert "Un texte important et rouge." in main
    assert "&lt;b&gt;" not in main and "Un bloc brut" not in main
    assert '<td class="align-right">12</td>' in main and "style=" not in main
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]
    css = (resources.static_dir() / "lms.css").read_text(encoding="utf-8")
    assert "td.align-right{text-align:right}" in css
