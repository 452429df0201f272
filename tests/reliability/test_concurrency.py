"""40 trainees submit the same quiz at the same moment against gunicorn: each attempt once."""

import threading

from bench.harness import (
    Browser,
    answer_for,
    attempt_counts,
    gunicorn,
    server_env,
    sign_in,
    start_quiz,
)
from tests.reliability.conftest import QUESTIONS


def test_forty_trainees_submitting_at_once_store_every_attempt_exactly_once(classroom):
    tmp, logins, enrolments = classroom
    problems: list[str] = []
    ready = threading.Barrier(len(logins))

    def sitting(server, login):
        browser = Browser(server.port)
        try:
            pages = [sign_in(browser, login)]
            pages.append(start_quiz(browser, enrolments[login]))
            location = pages[-1].location
            for _ in range(QUESTIONS):
                question = browser.get(location)
                pages += [question, browser.post(location, {
                    "csrf_token": question.csrf(), "answer": answer_for(question),
                    "go": "next"})]
                location = pages[-1].location
            review = browser.get(location)
            attempt = location.split("/")[2]
            ready.wait(60)
            # Everyone at once, and each twice (a double click).
            for _ in range(2):
                pages.append(browser.post(f"/attempt/{attempt}/submit",
                                          {"csrf_token": review.csrf()}))
            pages.append(browser.get(pages[-1].location))
            for page in pages:
                if page.status >= 400 or "database is locked" in page.body:
                    problems.append(f"{login}: HTTP {page.status} {page.body[:120]}")
            if pages[-1].status != 200:
                problems.append(f"{login}: result page HTTP {pages[-1].status}")
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            problems.append(f"{login}: {type(exc).__name__}: {exc}")
            ready.abort()
        finally:
            browser.close()

    with gunicorn("wsgi:app", server_env(tmp), tmp / "gunicorn.log") as server:
        threads = [threading.Thread(target=sitting, args=(server, login)) for login in logins]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

    assert problems == []
    counts = attempt_counts(tmp / "lms.sqlite")
    assert counts["integrity"] == "ok"
    assert len(counts["rows"]) == len(logins)
    assert {r[1] for r in counts["rows"]} == set(enrolments.values())
    assert all(status == "submitted" and answers == QUESTIONS
               for _id, _enrolment, status, answers in counts["rows"])
    assert counts["half_submitted"] == 0
