"""Fixtures of the console's tests: the demo site, built once per run and served by the real
app in its own process (tests/support/demo_site.py)."""

from collections.abc import Iterator

import pytest

from tests.support.demo_site import DemoSite
from tests.support.demo_site import demo_site as build_demo_site


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    """A week of history lived through the services, ending now, with flagged reports and a
    pending extension in Phường Bách Quang; the real app serving it (``DemoSite.url``)."""
    with build_demo_site() as site:
        yield site
