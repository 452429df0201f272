"""The PDF fonts are the package's private resources: no public URL serves them."""

from lms import resources


def test_no_static_url_serves_the_pdf_fonts(client):
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"):
        with client.get(f"/static/fonts/{name}") as response:
            assert response.status_code == 404
    with client.get("/static/lms.css") as response:
        assert response.status_code == 200  # the rest is still served
    assert not list(resources.static_dir().rglob("*.ttf"))


def test_the_fonts_ship_inside_the_package(app):
    folder = resources.fonts_dir()
    assert folder.parent.name == "lms"
    assert (folder / "DejaVuSans.ttf").stat().st_size > 100_000
    assert (folder / "LICENSE-DejaVu.txt").is_file()
