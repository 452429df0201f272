"""Measure the first-load weight of the key pages in Debian's Chromium and print it.

    python bench/page_weight.py                      # own server on demo data (throwaway DB)
    python bench/page_weight.py --url http://127.0.0.1:5000 --login PNC-1001

Each page is opened in a fresh browser context (empty cache, as on a lab computer's first visit).
The weight is HTML + CSS + JavaScript, images aside, counted uncompressed (the budget) and as sent
on the wire (gzip). Lesson and quiz pages must stay under the budget (60 KB); the exit status is
1 when one does not. With --url, the script starts and submits a quiz attempt as --login.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.liveserver import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

KINDS = {"document": "html", "stylesheet": "css", "script": "js"}
BUDGETED = {"lesson", "quiz start", "question", "review", "result"}


def weigh(browser, base_url: str, url: str, storage_state) -> dict[str, int]:
    """Open `url` in a new context with an empty cache; sum bytes per kind of resource."""
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    page = context.new_page()
    seen = []
    page.on("response", lambda response: seen.append(response))
    page.goto(url, wait_until="load")
    totals = {"html": 0, "css": 0, "js": 0, "other": 0, "wire": 0}
    for response in seen:
        kind = KINDS.get(response.request.resource_type)
        if response.status in (301, 302, 303) or kind is None:
            if response.request.resource_type not in ("image", "font", "media"):
                totals["other"] += len(response.body()) if response.ok else 0
            continue
        totals[kind] += len(response.body())
        totals["wire"] += max(0, response.request.sizes()["responseBodySize"])
    totals["total"] = totals["html"] + totals["css"] + totals["js"] + totals["other"]
    context.close()
    return totals


def discover(page) -> dict[str, str]:
    """Walk the trainee's pages to find a lesson and the quiz after it; start an attempt."""
    urls = {"dashboard": "/"}
    page.goto("/")
    urls["programme"] = page.locator(".card h2 a").first.get_attribute("href")
    page.goto(urls["programme"])
    for href in [a.get_attribute("href") for a in page.locator(".items li a").all()]:
        page.goto(href)
        if "lesson" not in urls and page.locator("article.lesson").count():
            urls["lesson"] = href
        elif "lesson" in urls and page.locator("form[action$='/start']").count():
            urls["quiz start"] = href
        if "lesson" in urls and "quiz start" in urls:
            break
    page.goto(urls["quiz start"])
    with page.expect_navigation():
        page.click("form[action$='/start'] button")
    urls["question"] = page.url
    attempt = page.url.rsplit("/", 1)[0]
    urls["review"] = attempt + "/review"
    return urls


def submit(page, review_url: str) -> str:
    """Submit the attempt from its review page; return the result page's URL."""
    page.goto(review_url)
    with page.expect_navigation():
        page.click("form[action$='/submit'] button")
    return page.url


def measure(base_url: str, login: str, password: str, budget: int) -> int:
    """Print the weight table; return the number of budgeted pages over budget."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        rows = {"login": weigh(browser, base_url, "/login", None)}
        context = browser.new_context(base_url=base_url)
        page = context.new_page()
        page.goto("/login")
        page.fill("#login", login)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("form.card [type=submit]")
        urls = discover(page)
        state = context.storage_state()
        for name, url in urls.items():
            rows[name] = weigh(browser, base_url, url, state)
        rows["result"] = weigh(browser, base_url, submit(page, urls["review"]), state)
        context.close()
        browser.close()

    over = 0
    print(f"{'page':<12}{'HTML':>9}{'CSS':>8}{'JS':>8}{'total':>9}{'on wire':>10}  budget")
    for name, row in rows.items():
        verdict = ""
        if name in BUDGETED:
            ok = row["total"] <= budget
            over += not ok
            verdict = "ok" if ok else "OVER"
        print(f"{name:<12}{row['html']:>9}{row['css']:>8}{row['js']:>8}{row['total']:>9}"
              f"{row['wire']:>10}  {verdict}")
    print(f"(bytes; total = uncompressed HTML+CSS+JS, images aside; budget {budget} bytes "
          "for lesson and quiz pages)")
    return over


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark against --url, or against a throwaway server with the demo data."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running LMS (default: start one on demo data)")
    parser.add_argument("--login", default="PNC-1001")
    parser.add_argument("--password", default="demo-pass-2026")
    parser.add_argument("--budget-kb", type=int, default=60)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing: apt-get install chromium")
    budget = args.budget_kb * 1024
    if args.url:
        return 1 if measure(args.url.rstrip("/"), args.login, args.password, budget) else 0
    with tempfile.TemporaryDirectory() as workdir, LiveServer(Path(workdir)) as server:
        return 1 if measure(server.url, args.login, args.password, budget) else 0


if __name__ == "__main__":
    sys.exit(main())
