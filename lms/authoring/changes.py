"""What changes between two versions of a programme: files, lessons, questions, version number."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

_IGNORED = ("line",)  # where a question starts in its file: moving it changes nothing


def file_diffs(old: Mapping[str, str], new: Mapping[str, str], old_label: str,
               new_label: str) -> list[dict]:
    """Per-file unified diffs: added, removed and changed files, in path order."""
    files = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        lines = list(difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(),
                                          f"{old_label}/{path}", f"{new_label}/{path}",
                                          lineterm=""))
        files.append({"path": path, "status": status, "lines": lines})
    return files


def _question_key(question: Mapping) -> dict:
    return {k: v for k, v in question.items() if k not in _IGNORED}


def item_changes(old: Mapping, new: Mapping) -> dict:
    """Lessons and quizzes added or removed, and questions added, removed or changed per quiz
    and language, between two parsed structures."""
    result: dict = {"lessons_added": sorted(set(new["lessons"]) - set(old["lessons"])),
                    "lessons_removed": sorted(set(old["lessons"]) - set(new["lessons"])),
                    "lessons_changed": sorted(k for k in set(old["lessons"]) & set(new["lessons"])
                                              if old["lessons"][k] != new["lessons"][k]),
                    "quizzes_added": sorted(set(new["assessments"]) - set(old["assessments"])),
                    "quizzes_removed": sorted(set(old["assessments"]) - set(new["assessments"])),
                    "questions": []}
    for key in sorted(set(old["assessments"]) & set(new["assessments"])):
        for lang in sorted(set(old["assessments"][key]) | set(new["assessments"][key])):
            a = {q["id"]: q for q in old["assessments"][key].get(lang, {}).get("questions", [])}
            b = {q["id"]: q for q in new["assessments"][key].get(lang, {}).get("questions", [])}
            changes = [{"id": qid, "status": "added"} for qid in b if qid not in a]
            changes += [{"id": qid, "status": "removed"} for qid in a if qid not in b]
            changes += [{"id": qid, "status": "changed", "correct_changed": _key_changed(a[qid],
                                                                                     b[qid])}
                        for qid in a if qid in b and _question_key(a[qid]) != _question_key(b[qid])]
            settings_changed = (old["assessments"][key].get(lang, {}).get("settings")
                                != new["assessments"][key].get(lang, {}).get("settings"))
            if changes or settings_changed:
                result["questions"].append({"key": key, "lang": lang, "changes": changes,
                                            "settings_changed": settings_changed})
    return result


def _key_changed(old: Mapping, new: Mapping) -> bool:
    """True when what counts as a right answer changed (points, correct choices, accepted...)."""
    def answer(q):
        return (q.get("points"), q.get("type"),
                [c.get("correct") for c in q.get("choices", [])],
                q.get("accepted"), q.get("pairs"), q.get("answers"))
    return answer(old) != answer(new)


def is_structural(changes: dict) -> bool:
    """True when lessons, quizzes or questions were added or removed (a minor version)."""
    if any(changes[k] for k in ("lessons_added", "lessons_removed", "quizzes_added",
                                "quizzes_removed")):
        return True
    return any(c["status"] != "changed" for q in changes["questions"] for c in q["changes"])


def suggest_version(current: str, structural: bool) -> str:
    """The next version: minor for added or removed items, else patch ("1.2.3" -> "1.2.4")."""
    numbers = re.findall(r"\d+", current)
    if not numbers:
        return f"{current}.1" if current else "1.0.0"
    parts = [int(n) for n in numbers[:3]] + [0] * (3 - len(numbers[:3]))
    if structural:
        return f"{parts[0]}.{parts[1] + 1}.0"
    return f"{parts[0]}.{parts[1]}.{parts[2] + 1}"
