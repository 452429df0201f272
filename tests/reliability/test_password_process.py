"""Under gunicorn (gunicorn.conf.py), one password process serves every worker's sign-ins and
stops with the server."""

from pathlib import Path

import pytest

from bench.harness import Browser, children, gunicorn, is_password_process, server_env, sign_in
from lms.auth import hasher_process


@pytest.mark.parametrize("classroom", [6], indirect=True)
def test_gunicorn_hashes_every_workers_sign_ins_in_one_password_process(classroom):
    tmp, logins, _enrolments = classroom
    with gunicorn("wsgi:app", server_env(tmp), tmp / "gunicorn.log") as server:
        helpers = [pid for pid in children(server.process.pid) if is_password_process(pid)]
        assert len(helpers) == 1
        socket_path = Path(f"/proc/{helpers[0]}/cmdline").read_bytes().split(b"\0")[-3].decode()
        for login in logins:
            browser = Browser(server.port)
            try:
                assert sign_in(browser, login).status == 302
            finally:
                browser.close()
        # One check per sign-in, and one new hash each: the seed's test-cost hash is replaced.
        assert hasher_process.ask(socket_path, {"op": "stats"})["served"] == 2 * len(logins)
    assert "did not answer" not in (tmp / "gunicorn.log").read_text()
    assert not Path(f"/proc/{helpers[0]}").exists() or b"Z" in Path(
        f"/proc/{helpers[0]}/stat").read_bytes().split(b")")[-1][:3]
    assert not Path(socket_path).parent.exists()
