"""Each request signs its own user in again.

The `app` fixture keeps one app context open for the whole test, and Flask reuses it for every
request, so flask-login's cached user in `g` would leak from one test client to another.
"""

import pytest
from flask import g


@pytest.fixture(autouse=True)
def _fresh_user_per_request(app):
    def forget_user():
        g.pop("_login_user", None)

    app.before_request(forget_user)
