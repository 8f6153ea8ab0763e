"""Shared by the browser tests: Debian's Chromium driven by Playwright (sync API), its fixtures
(registered for every test module by the root conftest) and small page helpers."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from django import db

from conftest import PASSWORD

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LIVE_TIMEOUT = 10_000  # ms


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module (each test opens its own contexts: own cookies).

    Playwright's sync API keeps an event loop in this thread from here on, and Django refuses ORM
    calls where a loop runs, the database fixtures' included: allowed for the time of the module."""
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def browser(chromium):
    """The module's Chromium; the windows (contexts) a test opened are closed after it."""
    yield chromium
    for context in chromium.contexts:
        context.close()


def new_page(browser, viewport=DESKTOP, storage_state=None, *, inject_scripts=False):
    """A page in a fresh context. ``inject_scripts``: the test adds scripts of its own (axe-core),
    which the pages' Content-Security-Policy would rightly block; the policy is not tested there."""
    phone = viewport == PHONE
    context = browser.new_context(viewport=viewport, storage_state=storage_state, is_mobile=phone, has_touch=phone,
                                  locale="en-GB", timezone_id="UTC", bypass_csp=inject_scripts)
    context.set_default_timeout(15_000)
    return context.new_page()


def off_the_loop(fn):
    """Run ``fn`` in a worker thread and return its result. Playwright's event loop runs in the test's
    thread, where asgiref refuses ``async_to_sync`` (the product's live-event broadcast after commit);
    a request handled by the real server runs in such a loop-free thread too."""

    def call():
        try:
            return fn()
        finally:
            db.connection.close()  # the thread's own connection must not block dropping the test database

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=30)


def log_in(page, base_url, username, password=PASSWORD):
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def choose(page, select: str, text: str):
    """Pick an option of a searchable select (``select`` is its CSS selector): type ``text`` into
    the box the script puts after it, then click the first option offered that contains it."""
    from playwright.sync_api import expect

    box = page.locator(f"{select} + .ts-wrapper")
    box.locator(".ts-control").click()
    box.locator(".ts-control input").press_sequentially(text, delay=20)
    box.locator(".ts-dropdown .option", has_text=text).first.click()
    expect(box.locator(".ts-dropdown")).to_be_hidden()  # the list closes once a choice is made


def shot(page, output_dir, name):
    page.screenshot(path=str(output_dir / f"{name}.png"), full_page=True, animations="disabled")
