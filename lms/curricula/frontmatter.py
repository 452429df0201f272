"""Split a Markdown file into its YAML front matter and body, with line numbers."""

from __future__ import annotations

from lms.curricula.problems import Problems
from lms.i18n import lazy_message as _l


def split_front_matter(text: str, path: str, problems: Problems) -> tuple[dict, str, int]:
    """Return (front matter, body, line number of the body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.error(path, 1, _l("the file must start with a front matter block between '---' "
                                    "lines"))
        return {}, text, 1
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        problems.error(path, 1, _l("the front matter opened with '---' is never closed"))
        return {}, "", len(lines)
    raw = "\n".join(lines[1:end])
    import yaml  # PyYAML at the first publication or check, not in every web worker

    # libyaml's safe loader when installed: the same safe subset, ten times faster (a
    # 1,000-lesson programme has 1,000 front matters to read at publication).
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(raw, Loader=safe_loader) if raw.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problems.error(path, line, _l("bad front matter: %(reason)s",
                                       reason=getattr(exc, "problem", exc)))
        data = {}
    if not isinstance(data, dict):
        problems.error(path, 2, _l("bad front matter: expected 'key: value' lines"))
        data = {}
    return data, "\n".join(lines[end + 1:]), end + 2


def line_of(text: str, needle: str, default: int = 1, start: int = 1) -> int:
    """Line number (1-based) of the first line from `start` on containing `needle`."""
    for number, line in enumerate(text.split("\n"), start=1):
        if number >= start and needle in line:
            return number
    return default
