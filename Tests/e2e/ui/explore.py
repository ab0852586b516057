#!/usr/bin/env python3
"""The explore page (/ui/explore) and the overview's latency chart in headless Chromium.

Three real Go CPU profiles (Tests/Fixtures/merge: cpu-a, cpu-c, cpu-b) are posted 50, 30 and
10 minutes ago for service `merge-api`; `go tool pprof` merged the same files for the goldens
(cpu-abc.cpu.top.txt, cpu-ac.cpu.top.txt). Checks: the chart has a point per profile, the
merged flame graph's root and hottest function are pprof's, dragging across the chart over the
first two profiles reloads the page for that range with pprof's total of those two, compare
mode colours the frames, and a dot of the overview's latency chart opens its trace.

    explore.py CORRELATOR_URL MERGE_FIXTURES OVERVIEW_FROM OVERVIEW_TO OUT_DIR
"""

import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from browse_common import check, console_errors, failures, make_driver, shot  # noqa: E402

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, fixtures, overview_from, overview_to, out = sys.argv[1:6]


def golden(name):
    """(total, first row's function) of a go tool pprof -top golden with -unit=ns."""
    text = open(os.path.join(fixtures, name)).read()
    rows = text.split("      flat  flat%")[1].strip().splitlines()[1:]
    total = sum(int(re.sub(r"[a-z]+$", "", row.split()[0])) for row in rows)
    return total, rows[0].split(None, 5)[5].replace(" (inline)", "")


now = int(time.time())
for minutes, letter in [(50, "a"), (30, "c"), (10, "b")]:
    start = now - minutes * 60
    body = open(os.path.join(fixtures, f"cpu-{letter}.pb.gz"), "rb").read()
    url = f"{base}/api/v1/profiles?service=merge-api&type=cpu&from={start}&until={start + 2}&pod={letter}"
    with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=60) as response:
        check(f"cpu-{letter} posted", response.status < 300, response.status)

abc_total, abc_top = golden("cpu-abc.cpu.top.txt")
ac_total, _ = golden("cpu-ac.cpu.top.txt")
driver = make_driver()
wait = WebDriverWait(driver, 20)
try:
    driver.get(f"{base}/ui/explore?service=merge-api&type=cpu&sample_type=cpu&window=1h")
    wait.until(EC.presence_of_element_located((By.ID, "flamegraph")))
    shot(driver, out, "6-explore.png")
    points = driver.find_elements(By.CSS_SELECTOR, "#series-chart circle.point")
    check("the chart has a point per profile (3)", len(points) == 3, len(points))
    check("3 profiles merged", driver.find_element(By.ID, "merge-profiles").text == "3")
    root = int(driver.find_element(By.CSS_SELECTOR, "#flamegraph .root").get_attribute("data-v"))
    check(f"the merged root is go tool pprof's total ({abc_total})", root == abc_total, root)
    check(f"the hottest function is pprof's first -top row ({abc_top})", driver.find_element(By.ID, "widest-frame").text == abc_top)
    first = driver.find_element(By.CSS_SELECTOR, "#top-functions tbody tr:first-child").text
    check("the top table starts with it", abc_top in first, first)

    # Drag across the chart from its left edge to three quarters: the profiles of 50 and 30
    # minutes ago, not the one of 10 minutes ago.
    chart = driver.find_element(By.ID, "series-chart")
    width = chart.size["width"]
    scale = width / float(chart.get_attribute("data-width"))
    left = float(chart.get_attribute("data-left")) * scale
    plot = width - left - float(chart.get_attribute("data-right")) * scale
    start_x = left + 2 - width / 2
    end_x = left + plot * 0.75 - width / 2
    ActionChains(driver).move_to_element_with_offset(chart, int(start_x), 0).click_and_hold() \
        .move_to_element_with_offset(chart, int(end_x), 0).release().perform()
    wait.until(EC.url_contains("from="))
    wait.until(EC.presence_of_element_located((By.ID, "merge-profiles")))
    shot(driver, out, "7-explore-dragged.png")
    check("the drag selected the first two profiles", driver.find_element(By.ID, "merge-profiles").text == "2",
          driver.find_element(By.ID, "merge-profiles").text)
    root = int(driver.find_element(By.CSS_SELECTOR, "#flamegraph .root").get_attribute("data-v"))
    check(f"their merge is go tool pprof's merge of cpu-a and cpu-c ({ac_total})", root == ac_total, root)

    # Compare: pod b against the others, coloured.
    driver.get(f"{base}/ui/explore?service=merge-api&type=cpu&sample_type=cpu&window=1h&selector=%7Bpod%3D%22b%22%7D"
               f"&compare=on&baseline_from={now - 3600}&baseline_to={now}&baseline_selector=%7Bpod%3D~%22a%7Cc%22%7D")
    wait.until(EC.presence_of_element_located((By.ID, "baseline")))
    shot(driver, out, "8-explore-compare.png")
    colours = driver.execute_script("""
      const spans = Array.from(document.querySelectorAll('#flamegraph .n:not(.root) > span'));
      return [spans.filter(s => s.style.background.includes('rgb') && !/rgb\\((\\d+), \\1, \\1\\)/.test(s.style.background)).length, spans.length];
    """)
    check("compare mode colours the frames that changed", colours[0] > 0, colours)
    check("the baseline is described", "2 profiles" in driver.find_element(By.ID, "baseline").text,
          driver.find_element(By.ID, "baseline").text)

    # The overview's latency chart: a dot per slow request, a click opens its trace.
    driver.get(f"{base}/ui/?from={overview_from}&to={overview_to}")
    wait.until(EC.presence_of_element_located((By.ID, "latency-chart")))
    dots = driver.find_elements(By.CSS_SELECTOR, "#latency-chart a")
    check("the overview charts the slow requests", len(dots) > 0, len(dots))
    if dots:
        href = dots[0].get_attribute("href") or dots[0].get_attribute("xlink:href") or ""
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", dots[0].find_element(By.CSS_SELECTOR, "circle"))
        wait.until(EC.url_contains("/ui/traces/"))
        check("a dot opens its trace", driver.find_elements(By.ID, "waterfall") != [], driver.current_url)
        check("the trace page explains the request above its spans", driver.find_elements(By.ID, "explanation") != [])
    # Every page above ran under the Content-Security-Policy (no inline script) without an error.
    errors = console_errors(driver)
    check("no console error under the Content-Security-Policy", not errors, errors[:3])
finally:
    driver.quit()

print(f"explore: {failures()} failed")
sys.exit(1 if failures() else 0)
