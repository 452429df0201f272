"""Symbolic links in a programme folder: one that leaves the folder is refused at its file; one
that stays inside and names a file is read as that file."""

import os

import pytest

from lms.curricula.parser import check_programme
from lms.curricula.problems import CurriculumInvalid
from tests.conftest import make_programme_folder, publish

NAME = "police-de-proximite"
LESSON = "modules/partenariat/clsp-forums.fr.md"


def _about_links(problem) -> bool:
    return "outside the programme" in problem.text or "sort du dossier" in problem.text


@pytest.fixture
def folder(tmp_path):
    return make_programme_folder(tmp_path, NAME)


def test_a_file_linked_from_outside_the_folder_is_refused_and_never_published(app, folder,
                                                                               tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Mot de passe du serveur : hunter2\n", encoding="utf-8")
    lesson = folder / LESSON
    lesson.unlink()
    os.symlink(secret, lesson)
    _structure, problems = check_programme(folder)
    found = [(p.path, p.line) for p in problems.errors if _about_links(p)]
    assert found == [(f"{NAME}/{LESSON}", 1)]
    with pytest.raises(CurriculumInvalid) as refused:
        publish(folder)
    assert f"{NAME}/{LESSON}:1" in str(refused.value)


def test_a_folder_linked_from_outside_is_refused_once(folder, tmp_path):
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (outside / "notes.fr.md").write_text("# Notes\n", encoding="utf-8")
    os.symlink(outside, folder / "modules" / "extra")
    _structure, problems = check_programme(folder)
    assert [(p.path, p.line) for p in problems.errors if _about_links(p)] == [
        (f"{NAME}/modules/extra", 1)]


def test_a_link_inside_the_folder_is_read_as_the_file_it_names(app, folder):
    lesson = folder / LESSON
    copy = folder / "modules" / "partenariat" / "clsp-forums.en.md"
    copy.unlink()
    os.symlink(lesson, copy)  # the English lesson reads the French text: allowed
    _structure, problems = check_programme(folder)
    assert not [p for p in problems.errors if _about_links(p)]
    version = publish(folder)
    assert version.sources["modules/partenariat/clsp-forums.en.md"] == lesson.read_text("utf-8")
