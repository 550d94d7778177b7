#!/usr/bin/env python3
"""Checks a leakfence HTML report in a real browser (headless Chromium through Selenium).

    check_html_report.py REPORT.html --expect EXPECT.json --screenshot OUT.png
    check_html_report.py REPORT.html --screenshot-only --screenshot OUT.png \\
        [--scale 0.7] [--max-height 1500]

EXPECT.json (written by the Rust test `tests/cli/html.rs` from the JSON report of the same
run) holds what the page must show:

    {"credentials": 4,                      # rows in the credential table
     "rules": {"twilio-auth-token": 2},      # rows per rule
     "verdicts": {"unverified": 4},          # rows per verdict
     "in_head": 1,                           # rows still at HEAD (history reports)
     "occurrences": {"<fingerprint>": 5},    # occurrences shown when a row is opened
     "path_filter": ["conf", 2],             # a path filter and the rows it leaves
     "hostile": ["<img src=x onerror=alert(1)>.env"]}  # names that must be plain text

Exits 0 when every check passes, 1 with the failed check otherwise. The page is loaded from
file:// with the network unused; console errors (a CSP violation, a script error) fail it.
With --screenshot-only it checks only the console, opens the first credential's row and
saves the screenshot (for the README's picture of a real report).
"""

import argparse
import base64
import json
import pathlib
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]


class CheckFailed(Exception):
    """One expectation the page does not meet."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def start_browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def visible_rows(driver):
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody.credential")
    return [row for row in rows if row.is_displayed()]


def count_by(rows, attribute):
    counts = {}
    for row in rows:
        key = row.get_attribute(attribute)
        counts[key] = counts.get(key, 0) + 1
    return counts


def check_contents(driver, expect):
    rows = visible_rows(driver)
    check(len(rows) == expect["credentials"],
          f"{len(rows)} credential rows, expected {expect['credentials']}")
    check(count_by(rows, "data-rule") == expect["rules"],
          f"rules {count_by(rows, 'data-rule')}, expected {expect['rules']}")
    check(count_by(rows, "data-verdict") == expect["verdicts"],
          f"verdicts {count_by(rows, 'data-verdict')}, expected {expect['verdicts']}")
    for fingerprint, count in expect["occurrences"].items():
        row = driver.find_element(By.CSS_SELECTOR, f'tbody[data-fingerprint="{fingerprint}"]')
        occurrences = row.find_elements(By.CSS_SELECTOR, "tr.occurrence")
        check(not any(o.is_displayed() for o in occurrences), "occurrences start folded")
        row.find_element(By.CSS_SELECTOR, "details > summary").click()
        shown = [o for o in occurrences if o.is_displayed()]
        check(len(shown) == count, f"{len(shown)} occurrences shown, expected {count}")
        row.find_element(By.CSS_SELECTOR, "details > summary").click()


def check_filters(driver, expect):
    rule = Select(driver.find_element(By.ID, "filter-rule"))
    for name, count in expect["rules"].items():
        rule.select_by_value(name)
        rows = visible_rows(driver)
        check(len(rows) == count and all(r.get_attribute("data-rule") == name for r in rows),
              f"rule filter {name}: {len(rows)} rows, expected {count}")
    rule.select_by_value("")
    verdict = Select(driver.find_element(By.ID, "filter-verdict"))
    for name, count in expect["verdicts"].items():
        verdict.select_by_value(name)
        check(len(visible_rows(driver)) == count, f"verdict filter {name}")
    verdict.select_by_value("")
    if expect.get("in_head") is not None:
        head = driver.find_element(By.ID, "filter-head")
        head.click()
        rows = visible_rows(driver)
        check(len(rows) == expect["in_head"]
              and all(r.get_attribute("data-head") == "yes" for r in rows),
              f"still-at-HEAD filter: {len(rows)} rows, expected {expect['in_head']}")
        head.click()
    text, count = expect["path_filter"]
    path = driver.find_element(By.ID, "filter-path")
    path.send_keys(text)
    check(len(visible_rows(driver)) == count,
          f"path filter {text!r}: {len(visible_rows(driver))} rows, expected {count}")
    shown = driver.find_element(By.ID, "shown").text
    check(shown == f"showing {count} of {expect['credentials']} credentials", shown)
    path.clear()
    path.send_keys(" ")  # clear() fires no input event; a blank filter matches everything
    check(len(visible_rows(driver)) == expect["credentials"], "filters reset")


def check_sorting(driver):
    def column(key):
        return [r.get_attribute(f"data-{key}") for r in visible_rows(driver)]

    header = driver.find_element(By.CSS_SELECTOR, 'th[data-sort="occurrences"] button')
    header.click()
    ascending = [int(n) for n in column("occurrences")]
    check(ascending == sorted(ascending), f"occurrences ascending: {ascending}")
    header.click()
    descending = [int(n) for n in column("occurrences")]
    check(descending == sorted(descending, reverse=True), f"descending: {descending}")
    sort = driver.find_element(By.CSS_SELECTOR, 'th[data-sort="occurrences"]')
    check(sort.get_attribute("aria-sort") == "descending", "aria-sort follows the order")
    driver.find_element(By.CSS_SELECTOR, 'th[data-sort="rule"] button').click()
    rules = column("rule")
    check(rules == sorted(rules), f"rules ascending: {rules}")
    driver.find_element(By.CSS_SELECTOR, 'th[data-sort="first"] button').click()
    first = [int(n) for n in column("first")]
    check(first == sorted(first), f"first seen ascending: {first}")


def check_hostile(driver, names):
    check(not driver.find_elements(By.TAG_NAME, "img"), "an <img> element was injected")
    check(driver.execute_script("return window.leakfencePwned === undefined"),
          "an injected handler ran")
    try:
        driver.switch_to.alert.dismiss()
        raise CheckFailed("an injected script opened an alert")
    except NoAlertPresentException:
        pass
    cells = driver.find_elements(By.CSS_SELECTOR, "tr.occurrence td.path")
    texts = [c.get_attribute("textContent") for c in cells]
    for name in names:
        check(any(t.startswith(name + ":") for t in texts), f"{name!r} is not shown as text")


def check_console(driver):
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    check(not errors, f"console errors: {errors}")


def screenshot(driver, path, scale=1.0, max_height=4000):
    """The page from its top, at most max_height CSS pixels tall, scaled by Chromium."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    height = min(max(height, 800), max_height)
    driver.set_window_size(1400, height)
    driver.execute_script("window.scrollTo(0, 0)")
    width = driver.execute_script("return document.documentElement.clientWidth")
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "clip": clip, "captureBeyondViewport": True},
    )
    pathlib.Path(path).write_bytes(base64.b64decode(shot["data"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=pathlib.Path)
    parser.add_argument("--expect", type=pathlib.Path)
    parser.add_argument("--screenshot", type=pathlib.Path, required=True)
    parser.add_argument("--screenshot-only", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0, help="screenshot scale")
    parser.add_argument("--max-height", type=int, default=4000, help="CSS pixels")
    args = parser.parse_args()
    if not args.screenshot_only and args.expect is None:
        parser.error("--expect is required unless --screenshot-only")
    with tempfile.TemporaryDirectory(prefix="leakfence-chromium-") as profile:
        driver = start_browser(profile)
        try:
            driver.get(args.report.resolve().as_uri())
            check(driver.find_elements(By.ID, "credentials"), "no credentials section")
            if args.screenshot_only:
                driver.find_element(By.CSS_SELECTOR, "tbody.credential details > summary").click()
            else:
                expect = json.loads(args.expect.read_text())
                check_contents(driver, expect)
                check_filters(driver, expect)
                check_sorting(driver)
                check_hostile(driver, expect["hostile"])
            check_console(driver)
            screenshot(driver, args.screenshot, args.scale, args.max_height)
        except CheckFailed as failure:
            print(f"check_html_report: FAIL: {failure}", file=sys.stderr)
            return 1
        finally:
            driver.quit()
    print(f"check_html_report: ok ({args.screenshot})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
