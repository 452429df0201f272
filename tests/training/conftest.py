"""Training tests call services directly: give them a request context for translations."""

import pytest


@pytest.fixture(autouse=True)
def _request_context(app):
    with app.test_request_context():
        yield
