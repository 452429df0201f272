"""Load a programme folder (manifest, lessons, assessments) and list every problem in it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from lms.curricula.frontmatter import line_of, split_front_matter
from lms.curricula.problems import CurriculumInvalid, Problems
from lms.curricula.quizfile import (
    check_answer_positions,
    check_draw,
    parse_practical_body,
    parse_quiz_body,
    parse_settings,
)
from lms.curricula.render import render_markdown
from lms.curricula.structure import FORMAT, ProgrammeStructure
from lms.i18n import lazy_message as _l

SUPPORTED_LANGUAGES = ("fr", "en")
MAX_FILE_BYTES = 1_000_000
EVALUATIONS = "evaluations"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def read_sources(folder: Path) -> dict[str, bytes]:
    """Every manifest and Markdown file of a programme folder, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix in (".md", ".yaml", ".yml")}


def content_hash(sources: dict[str, bytes]) -> str:
    """SHA-256 over the relative paths and bytes of all sources, in path order."""
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.encode() + b"\0" + sources[path] + b"\0")
    return digest.hexdigest()


def load_programme(folder: str | Path) -> dict:
    """Parse a programme folder; raise CurriculumInvalid listing every error found."""
    structure, problems = check_programme(folder)
    if problems.errors:
        raise CurriculumInvalid(problems.items)
    return structure


def check_programme(folder: str | Path) -> tuple[dict | None, Problems]:
    """Parse a programme folder, returning its structure and all problems (never raising)."""
    folder = Path(folder)
    if not folder.is_dir():
        problems = Problems()
        problems.error(folder.name, 1, _l("no such folder"))
        return None, problems
    return parse_sources(folder.name, read_sources(folder))


def parse_sources(name: str, raw: dict[str, bytes]) -> tuple[dict | None, Problems]:
    """Parse a programme's sources ({relative path: bytes}) as read from its folder or stored
    with a published version; the structure and all problems (never raising)."""
    problems = Problems()
    texts: dict[str, str] = {}
    for rel, data in raw.items():
        shown = f"{name}/{rel}"
        if len(data) > MAX_FILE_BYTES:
            problems.error(shown, 1, _l("file too large (%(size)d bytes; at most %(limit)d)",
                                        size=len(data), limit=MAX_FILE_BYTES))
            continue
        try:
            texts[rel] = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            problems.error(shown, line, _l("not UTF-8 text: save the file as UTF-8"))
    if "manifest.yaml" not in texts:
        problems.error(f"{name}/manifest.yaml", 1, _l("missing manifest.yaml"))
        return None, problems
    return _Loader(name, texts, problems).load(), problems


class _Loader:
    def __init__(self, name: str, texts: dict[str, str], problems: Problems):
        self.name, self.texts, self.problems = name, texts, problems
        self.manifest_path = f"{name}/manifest.yaml"
        self.items: dict[str, str] = {}  # "module/item" -> kind, for links
        self.links: list[tuple[str, int, str, str]] = []  # (path, line, module, href)

    def load(self) -> ProgrammeStructure | None:
        manifest = self._manifest()
        if manifest is None:
            return None
        languages = manifest["languages"]
        structure: ProgrammeStructure = {
            "format": FORMAT, "id": manifest["id"], "version": manifest["version"],
            "languages": languages,
            "title": manifest["title"], "description": manifest["description"],
            "pre_test": manifest.get("pre_test"), "post_test": manifest.get("post_test"),
            "certificate": manifest.get("certificate") or {},
            "modules": [], "lessons": {}, "assessments": {},
        }
        self._register_items(manifest)
        lines = _sequence_lines(self.texts["manifest.yaml"], "modules")
        for index, module in enumerate(manifest["modules"]):
            self._module(module, languages, structure,
                         lines[index] if index < len(lines) else None)
        for key in ("pre_test", "post_test"):
            if structure[key]:
                self._evaluation(structure[key], key, languages, structure)
        self._check_pair(structure)
        self._check_certificate(structure)
        self._check_links()
        self._unused_files(structure)
        return structure

    # manifest -----------------------------------------------------------------------------
    def _manifest(self) -> dict | None:
        text, path, p = self.texts["manifest.yaml"], self.manifest_path, self.problems
        import yaml  # at the first publication or check, not in every web worker

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            p.error(path, mark.line + 1 if mark else 1,
                    _l("bad YAML: %(reason)s", reason=getattr(exc, "problem", exc)))
            return None
        if not isinstance(data, dict):
            p.error(path, 1, _l("the manifest must be a set of 'key: value' lines"))
            return None
        ok = True
        for key in ("id", "version", "languages", "title", "modules"):
            if key not in data:
                p.error(path, 1, _l("the manifest has no '%(key)s'", key=key))
                ok = False
        if not ok:
            return None
        data["id"], data["version"] = str(data["id"]), str(data["version"])
        if not _ID.match(data["id"]):
            p.error(path, line_of(text, "id:"),
                    _l("id: use lowercase letters, digits and dashes"))
        if data["id"] != self.name:
            p.warning(path, line_of(text, "id:"),
                      _l("id '%(id)s' differs from the folder name '%(folder)s'",
                         id=data["id"], folder=self.name))
        languages = data["languages"]
        if not isinstance(languages, list) or not languages:
            p.error(path, line_of(text, "languages:"),
                    _l("languages must be a list, e.g. [fr, en]"))
            return None
        for lang in languages:
            if lang not in SUPPORTED_LANGUAGES:
                p.error(path, line_of(text, "languages:"),
                        _l("unsupported language '%(lang)s'; supported: %(supported)s",
                           lang=lang, supported=", ".join(SUPPORTED_LANGUAGES)))
        data["languages"] = [lg for lg in languages if lg in SUPPORTED_LANGUAGES] or ["fr"]
        data["title"] = self._translated(data.get("title"), "title", data["languages"], text)
        data["description"] = self._translated(data.get("description") or {}, "description",
                                               data["languages"], text, required=False)
        if not isinstance(data["modules"], list) or not data["modules"]:
            p.error(path, line_of(text, "modules:"), _l("modules must be a non-empty list"))
            return None
        return data

    def _translated(self, value, key, languages, text, required=True) -> dict:
        if isinstance(value, str):
            return {lang: value for lang in languages}
        if not isinstance(value, dict):
            if required:
                self.problems.error(self.manifest_path, line_of(text, f"{key}:"),
                                    _l("%(key)s must give a text per language", key=key))
            return {}
        for lang in languages:
            if required and not value.get(lang):
                self.problems.warning(self.manifest_path, line_of(text, f"{key}:"),
                                      _l("%(key)s has no '%(lang)s' text", key=key,
                                         lang=lang))
        return {str(k): str(v) for k, v in value.items()}

    def _register_items(self, manifest) -> None:
        """Know every item id before rendering, so links to later modules resolve."""
        for module in manifest["modules"]:
            if isinstance(module, dict) and "id" in module:
                for key in ("lessons", "assessments"):
                    ids = module.get(key) or []
                    for item in ids if isinstance(ids, list) else []:
                        self.items.setdefault(f"{module['id']}/{item}", key[:-1])
        for key in ("pre_test", "post_test"):
            if manifest.get(key):
                self.items[f"{EVALUATIONS}/{manifest[key]}"] = "assessment"

    # modules and items -----------------------------------------------------------------------
    def _module(self, module, languages, structure, line: int | None) -> None:
        text, p = self.texts["manifest.yaml"], self.problems
        line = line or line_of(text, "modules:")
        if not isinstance(module, dict) or "id" not in module:
            p.error(self.manifest_path, line, _l("each module needs an 'id'"))
            return
        mid = str(module["id"])
        if any(m["id"] == mid for m in structure["modules"]) or mid == EVALUATIONS:
            p.error(self.manifest_path, line, _l("duplicate module id '%(id)s'", id=mid))
            return
        if not _ID.match(mid):
            p.error(self.manifest_path, line,
                    _l("module id '%(id)s': use lowercase letters, digits and dashes", id=mid))
        if not any(k.startswith(f"modules/{mid}/") for k in self.texts):
            p.error(self.manifest_path, line,
                    _l("unknown module '%(id)s': no folder modules/%(id)s/", id=mid))
        entry = {"id": mid, "title": self._translated(module.get("title"), "title", languages,
                                                      text), "items": []}
        structure["modules"].append(entry)
        listed, seen = [], set()
        for kind, key in (("lesson", "lessons"), ("assessment", "assessments")):
            ids = module.get(key) or []
            if not isinstance(ids, list):
                p.error(self.manifest_path, line,
                        _l("module '%(id)s': %(key)s must be a list", id=mid, key=key))
                continue
            for item in map(str, ids):
                if item in seen:
                    p.error(self.manifest_path, line_of(text, item, line, start=line),
                            _l("duplicate id '%(item)s' in module '%(module)s'", item=item,
                               module=mid))
                    continue
                seen.add(item)
                listed.append((kind, item))
        for kind, item in listed:
            item_key = f"{mid}/{item}"
            if kind == "lesson":
                found = self._lesson(mid, item, languages, structure)
            else:
                found = self._assessment(f"modules/{mid}", item_key, languages, structure)
                kind = found.get("kind", "quiz") if found else "quiz"
            if found is not None:
                entry["items"].append({"id": item, "key": item_key, "kind": kind})

    def _files_for(self, base: str, item: str, languages) -> dict[str, str]:
        found = {lang: f"{base}/{item}.{lang}.md" for lang in languages
                 if f"{base}/{item}.{lang}.md" in self.texts}
        line = line_of(self.texts["manifest.yaml"], item)
        if not found:
            expected = f"{base}/{item}.<{'|'.join(languages)}>.md"
            self.problems.error(self.manifest_path, line,
                                _l("'%(item)s' is listed but no file %(file)s exists",
                                   item=item, file=expected))
        for lang in languages:
            if lang not in found and found:
                self.problems.warning(f"{self.name}/{base}/{item}.{lang}.md", 1,
                                      _l("missing '%(lang)s' translation; the other language "
                                         "will be shown", lang=lang))
        return found

    def _lesson(self, mid, item, languages, structure):
        files = self._files_for(f"modules/{mid}", item, languages)
        if not files:
            return None
        lesson = {}
        for lang, rel in files.items():
            path = f"{self.name}/{rel}"
            meta, body, first = split_front_matter(self.texts[rel], path, self.problems)
            if not str(meta.get("title", "")).strip():
                self.problems.error(path, 2, _l("the front matter needs a title"))
            lesson[lang] = {"title": str(meta.get("title", item)),
                            "duration": meta.get("duration"),
                            "html": render_markdown(body, self._resolver(path, first, mid),
                                                    report=self._reporter(path, first))}
        structure["lessons"][f"{mid}/{item}"] = lesson
        return lesson

    def _assessment(self, base, item_key, languages, structure):
        item = item_key.split("/", 1)[1]
        module = item_key.split("/", 1)[0]
        files = self._files_for(base, item, languages)
        if not files:
            return None
        result, kinds = {}, set()
        for lang, rel in files.items():
            path = f"{self.name}/{rel}"
            meta, body, first = split_front_matter(self.texts[rel], path, self.problems)
            settings = parse_settings(meta, path, self.problems)
            kinds.add(settings["kind"])
            resolve = self._resolver(path, first, module)
            if settings["kind"] == "practical":
                intro, criteria = parse_practical_body(body, first, path, self.problems, resolve)
                parsed = {"criteria": criteria,
                          "max_points": sum(c["max_points"] for c in criteria)}
            else:
                intro, questions = parse_quiz_body(body, first, path, self.problems, resolve)
                check_draw(settings, questions, self.texts[rel], path, self.problems)
                check_answer_positions(questions, path, self.problems)
                parsed = {"questions": questions,
                          "max_points": sum(q["points"] for q in questions)}
            result[lang] = {"title": str(meta.get("title", item)), "settings": settings,
                            "intro_html": intro, **parsed}
        if len(kinds) > 1:
            self.problems.error(self.manifest_path, line_of(self.texts["manifest.yaml"], item),
                                _l("'%(item)s' has a different kind in each language",
                                   item=item))
        self._check_translations(item, files, result)
        kind = next(iter(result.values()))["settings"]["kind"]
        structure["assessments"][item_key] = result
        return {"kind": kind}

    def _evaluation(self, item, key, languages, structure):
        item_key = f"{EVALUATIONS}/{item}"
        found = self._assessment(EVALUATIONS, item_key, languages, structure)
        if found and found["kind"] != key:
            message = (_l("the pre-test must have 'kind: pre_test'") if key == "pre_test"
                       else _l("the post-test must have 'kind: post_test'"))
            self.problems.error(f"{self.name}/{EVALUATIONS}/{item}.{languages[0]}.md", 2, message)

    # consistency ------------------------------------------------------------------------------
    def _check_translations(self, item, files, result) -> None:
        langs = list(result)
        first = result[langs[0]]
        for lang in langs[1:]:
            other, path = result[lang], f"{self.name}/{files[lang]}"
            a = [_signature(q) for q in first.get("questions", [])]
            b = [_signature(q) for q in other.get("questions", [])]
            if a != b:
                differ = [q["line"] for q, sig in zip(other.get("questions", []), b, strict=False)
                          if sig not in a]
                self.problems.error(path, differ[0] if differ else 1, _l(
                    "'%(item)s' in '%(lang)s' does not match '%(first)s': questions must have "
                    "the same ids, types, points and correct choices in the same order",
                    item=item, lang=lang, first=langs[0]))
            if _rubric(first) != _rubric(other):
                self.problems.error(path, 1, _l(
                    "'%(item)s' in '%(lang)s' does not match '%(first)s': criteria and levels "
                    "must be the same", item=item, lang=lang, first=langs[0]))

    def _check_pair(self, structure) -> None:
        pre, post = structure["pre_test"], structure["post_test"]
        if not (pre and post):
            return
        a = structure["assessments"].get(f"{EVALUATIONS}/{pre}")
        b = structure["assessments"].get(f"{EVALUATIONS}/{post}")
        if a and b:
            ids_a = [q["id"] for q in next(iter(a.values())).get("questions", [])]
            questions_b = next(iter(b.values())).get("questions", [])
            ids_b = [q["id"] for q in questions_b]
            if sorted(ids_a) != sorted(ids_b):
                extra = [q["line"] for q in questions_b if q["id"] not in ids_a]
                self.problems.error(f"{self.name}/{EVALUATIONS}/{post}.{next(iter(b))}.md",
                                    extra[0] if extra else 1,
                                    _l("the post-test must have the same question ids as "
                                       "the pre-test"))

    def _check_certificate(self, structure) -> None:
        rules = structure["certificate"]
        text = self.texts["manifest.yaml"]
        if not isinstance(rules, dict):
            self.problems.error(self.manifest_path, line_of(text, "certificate:"),
                                _l("certificate must be a set of rules"))
            structure["certificate"] = {}
            return
        modules = rules.get("modules_passed", "all")
        if modules != "all":
            known = {m["id"] for m in structure["modules"]}
            for mid in modules if isinstance(modules, list) else [modules]:
                if mid not in known:
                    self.problems.error(self.manifest_path, line_of(text, "modules_passed"),
                                        _l("unknown module '%(id)s' in certificate rules",
                                           id=mid))
        months = rules.get("validity_months")
        if months is not None and (isinstance(months, bool) or not isinstance(months, int)
                                   or not 1 <= months <= 600):
            self.problems.error(self.manifest_path, line_of(text, "validity_months"),
                                _l("validity_months is a whole number of months, e.g. 36"))
        renews = rules.get("renews")
        if renews is not None and not (isinstance(renews, str) or (
                isinstance(renews, list) and all(isinstance(r, str) for r in renews))):
            self.problems.error(self.manifest_path, line_of(text, "renews"),
                                _l("renews names the programme (or programmes) whose "
                                   "certificate this one renews"))
        rate = rules.get("attendance_min", 0)
        if not isinstance(rate, int | float) or not 0 <= rate <= 100:
            self.problems.error(self.manifest_path, line_of(text, "attendance_min"),
                                _l("attendance_min is a percentage between 0 and 100"))

    def _reporter(self, path, first_line):
        """Warn, once per line, of raw HTML removed and of images from another site."""
        seen = set()
        messages = {
            "raw_html": _l("raw HTML is removed from the page: write it in Markdown"),
            "external_image": _l("image from another site: the page cannot show it (no "
                                 "internet at run time); add the image to the programme"),
        }

        def report(line: int, problem: str) -> None:
            if (line, problem) not in seen:
                seen.add((line, problem))
                self.problems.warning(path, first_line + line, messages[problem])
        return report

    def _resolver(self, path, first_line, module):
        def resolve(href: str, line: int) -> str | None:
            target = href.split("#", 1)[0]
            self.links.append((path, first_line + line, module, target))
            key = self._link_key(module, target)
            return f"../{key}" if key else None
        return resolve

    def _link_key(self, module, target) -> str | None:
        if "/" in target:
            return target if target in self.items else None
        if f"{module}/{target}" in self.items:
            return f"{module}/{target}"
        matches = [k for k in self.items if k.split("/", 1)[1] == target]
        return matches[0] if len(matches) == 1 else None

    def _check_links(self) -> None:
        for path, line, module, target in self.links:
            if self._link_key(module, target) is None:
                self.problems.error(path, line, _l("broken link '%(target)s': no lesson or "
                                                   "assessment has that id", target=target))

    def _unused_files(self, structure) -> None:
        used = {"manifest.yaml"}
        for key in self.items:
            for lang in SUPPORTED_LANGUAGES:
                base = key if key.startswith(f"{EVALUATIONS}/") else f"modules/{key}"
                used.add(f"{base}.{lang}.md")
        for rel in self.texts:
            if rel not in used and rel.endswith(".md") and "/" in rel \
                    and rel.split("/")[0] in ("modules", EVALUATIONS):
                self.problems.warning(f"{self.name}/{rel}", 1,
                                      _l("file not listed in the manifest"))


def _sequence_lines(text: str, key: str) -> list[int]:
    """Line number (1-based) of each entry of the top-level YAML list `key`."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for name, value in root.value:
        if getattr(name, "value", None) == key and isinstance(value, yaml.SequenceNode):
            return [entry.start_mark.line + 1 for entry in value.value]
    return []


def _rubric(assessment: dict) -> list:
    return [(c["id"], [lv["points"] for lv in c["levels"]])
            for c in assessment.get("criteria", [])]


def _signature(question: dict) -> tuple:
    return (question["id"], question["type"], question["points"],
            tuple(c["correct"] for c in question.get("choices", [])),
            question.get("answer"), question.get("tolerance"),
            tuple(pair["answer"] for pair in question.get("pairs", [])),
            len(question.get("answers", [])), _rubric(question))
