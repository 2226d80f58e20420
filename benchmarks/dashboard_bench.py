"""The dashboard in a real browser against the core calls behind it, measured side by side.

Starts `streamlit run dashboard/app.py` on a free port (a fresh process for every cold start) with a
temporary store of DEMO_STORE_CLIENTS generated clients and a few logged decisions, drives headless
Chromium with Playwright and prints medians over the repetitions:

(a) cold start: a page opened on a freshly started server until its first chart is visible (its main
    content for pages without a chart on opening), then the same page in a second session (warm);
(b) the scoring page: a stored client's id typed, Load clicked -> the client's history shown; Score
    clicked -> the decision rendered (and the whole result, charts included);
(c) the threshold page: the slider moved one step with the keyboard -> the cost text updated, and the
    cost curve's "chosen threshold" line moved.

Each figure is printed with its in-process floor (the core call alone, timed in the same run) and the
ratio. Waits are on the DOM (a selector, a text change), never sleeps.
Usage: python benchmarks/dashboard_bench.py [--cold 3] [--repeats 7] [--pages threshold insights]
(BUNDLE_DIR selects the bundle; default: the shipped demo bundle.)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
CHART = "[data-testid=stPlotlyChart] .main-svg"
#: page -> (url path, what "ready" is on opening: the first chart, or the main content without a chart)
PAGES: dict[str, tuple[str, str, str]] = {
    "score": ("", "[data-testid=stFormSubmitButton]", "form"),
    "batch": ("batch", "[data-testid=stFileUploaderDropzone]", "upload box"),
    "decisions": ("decisions", "[data-testid=stDataFrame]", "table"),
    "monitoring": ("monitoring", CHART, "first chart"),
    "threshold": ("threshold", CHART, "first chart"),
    "insights": ("insights", CHART, "first chart"),
    "model_card": ("model_card", "[data-testid=stDataFrame]", "table"),
}
SEEDED_DECISIONS = 150
DECISION = re.compile("ACCORDÉ|REFUSÉ")
OFFICER = "Bench Officer"
NO_STATUS = "!document.querySelector('[data-testid=stStatusWidget]')"
NO_SKELETON = "document.querySelectorAll('[data-testid=stSkeleton]').length === 0"


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (5 min {five:.2f})"


# ----------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "LOCAL_", "DATABASE_URL"))}
    return env | {
        "HOME": str(tmp / "home"),
        "STORE_PATH": str(tmp / "store.sqlite"),
        "DEMO_STORE_CLIENTS": env.get("DEMO_STORE_CLIENTS", "200"),
        "PYTHONPATH": str(REPO),
    }


@contextmanager
def server(env: dict[str, str], app: Path = REPO / "dashboard" / "app.py") -> Iterator[tuple[str, float]]:
    """A fresh `streamlit run` process; yields its URL and the seconds until /_stcore/health answered."""
    port = _free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(
                        "streamlit did not start: " + (proc.stderr.read() if proc.stderr else "")
                    ) from None
                time.sleep(0.05)
        yield url, time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def session(browser: Any) -> Iterator[Any]:
    """A fresh browser context (a new Streamlit session, an empty cache) and its page."""
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        yield page
    finally:
        context.close()


def settle(page: Any) -> None:
    """Streamlit has finished its run and no skeleton remains. Streamlit shows its status widget only
    some time after a run starts, so "no status widget" right after an action may be the run not yet
    shown: the check is repeated after a pause (a user's own pause between two actions)."""
    page.wait_for_selector("[data-testid=stApp]")
    for _ in range(2):
        page.wait_for_function(NO_SKELETON)
        page.wait_for_function(NO_STATUS)
        page.wait_for_timeout(400)


# ----------------------------------------------------------------------------- the store and floors


def prepare_store(env: dict[str, str]) -> list[int]:
    """Create the demo store (once, as a first start would) and log a few decisions; the clients' ids."""
    os.environ.update({k: env[k] for k in ("STORE_PATH", "DEMO_STORE_CLIENTS")})
    import core
    import core.config

    core.config.get_settings.cache_clear()
    store = core.open_store(core.load_settings())
    ids = store.clients.search("", SEEDED_DECISIONS)
    bundle = core.load_configured_bundle(core.load_settings())
    desk = core.DecisionDesk(core.ScoringService(bundle, history=store.history), store)
    records = [store.clients.application(i) for i in ids]
    desk.decide_records(records, channel="api", actor=core.Actor(OFFICER, authenticated=False))
    store.close()
    return ids


FLOOR_CODE = {
    "score": "s = core.ScoringService(b, history=st.history); s.leaf_shap()",
    "batch": "s = core.ScoringService(b, history=st.history); s.leaf_shap()",
    "decisions": "st.log.table(limit=5000)",
    "monitoring": (
        "import core.monitoring as m; s = core.ScoringService(b, history=st.history); "
        "m.drift_report_from_log(s, st.log.frame(), source='log')"
    ),
    "threshold": (
        "import numpy as np; v = b.validation; y, p = v['TARGET'].to_numpy(int), v['probability'].to_numpy(float); "
        "w = b.cost_weights; core.cost_curve(y, p, w); core.bootstrap_cost_band(y, p, weights=w, n_boot=200); "
        "core.optimal_threshold(y, p, w); core.confusion_at(y, p, b.threshold, w)"
    ),
    "insights": "core.Explainer(b).global_importance()",
    "model_card": "pass",
}


def cold_floor(name: str, env: dict[str, str]) -> float:
    """A fresh Python doing the page's core work: import core, load the bundle (and store), compute (ms)."""
    code = (
        "import core; st = core.open_store(core.load_settings()); "
        f"b = core.load_configured_bundle(core.load_settings()); {FLOOR_CODE[name]}"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)
    return (time.perf_counter() - t0) * 1000


def _inproc(fn: Callable[[], Any], repeats: int = 50) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return _median(times)


def interaction_floors(ids: list[int]) -> dict[str, float]:
    """The core calls behind (b) and (c), in this process (ms, medians)."""
    import core

    store = core.open_store(core.load_settings())
    bundle = core.load_configured_bundle(core.load_settings())
    service = core.ScoringService(bundle, history=store.history)
    desk = core.DecisionDesk(service, store)
    actor = core.Actor(OFFICER, authenticated=False)
    cid = ids[0]
    record = store.clients.application(cid)
    v = bundle.validation
    assert v is not None
    y, p, w = v["TARGET"].to_numpy(int), v["probability"].to_numpy(float), bundle.cost_weights
    out = {
        "application": _inproc(lambda: store.clients.application(cid)),
        "history": _inproc(lambda: (store.clients.history(cid), store.clients.history_summary(cid))),
        "score": _inproc(lambda: service.score(record, explain=True, top_k=5)),
        "decide": _inproc(lambda: desk.decide(record, channel="dashboard", actor=actor, explain=True), 20),
        "confusion": _inproc(lambda: core.confusion_at(y, p, 0.1, w)),
    }
    store.close()
    return out


# ----------------------------------------------------------------------------- timing in the page

WATCH = """([event, conditions]) => {
  window.__t0 = null; window.__marks = {};
  const checks = conditions.map(([name, src, arg]) => [name, (0, eval)(src), arg]);
  const tick = () => {
    const now = performance.now();
    for (const [name, check, arg] of checks) if (!(name in window.__marks) && check(arg)) window.__marks[name] = now;
    if (Object.keys(window.__marks).length < checks.length) requestAnimationFrame(tick);
  };
  document.addEventListener(event, () => { if (window.__t0 === null) { window.__t0 = performance.now();
    requestAnimationFrame(tick); } }, {capture: true, once: true});
}"""
DONE = "(names) => window.__marks && names.every(n => n in window.__marks)"
IDLE = "() => new Promise(r => requestIdleCallback(() => r(true), {timeout: 5000}))"


def _visible(selector: str) -> str:
    """A page condition: an element of ``selector`` is laid out (has a size)."""
    return f"""() => [...document.querySelectorAll({selector!r})].some(e => {{
      const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }})"""


def _has_text(selector: str) -> str:
    """A page condition on ``arg``: an element of ``selector`` holds that text (or matches that regex)."""
    return f"""(arg) => [...document.querySelectorAll({selector!r})].some(e =>
      arg.startsWith('/') ? new RegExp(arg.slice(1, -1)).test(e.textContent) : e.textContent.includes(arg))"""


def until(page: Any, condition: str, arg: Any = None) -> float:
    """``performance.now()`` at the first animation frame where ``condition(arg)`` holds (DOM polling)."""
    js = f"(arg) => ({condition})(arg) ? performance.now() : false"
    return float(page.wait_for_function(js, arg=arg, polling="raf").json_value())


def timed(
    page: Any,
    event: str,
    action: Callable[[], None],
    conditions: dict[str, tuple[str, Any]],
    optional: tuple[str, ...] = (),
) -> dict[str, float]:
    """Milliseconds from the browser receiving ``event`` (the user's click or key) to the first animation
    frame where each condition holds, on the page's own clock (checked every frame from the event on);
    the page is idle first (the user's pause between two actions). An ``optional`` condition that does
    not hold within 3 s after the others is left out."""
    page.evaluate(IDLE)
    page.evaluate(WATCH, [event, [[name, src, arg] for name, (src, arg) in conditions.items()]])
    action()
    page.wait_for_function(
        DONE, arg=[n for n in conditions if n not in optional], polling="raf", timeout=30000
    )
    if optional:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        with contextlib.suppress(PlaywrightTimeout):  # an optional change did not happen
            page.wait_for_function(DONE, arg=list(conditions), polling="raf", timeout=3000)
    t0 = float(page.evaluate("window.__t0"))
    return {name: float(t) - t0 for name, t in page.evaluate("window.__marks").items()}


def opened(page: Any, url: str, selector: str) -> float:
    """Milliseconds from the navigation's start to ``selector`` laid out, on the page's clock."""
    page.goto(url, wait_until="commit")
    return until(page, _visible(selector))


# ----------------------------------------------------------------------------- (a) cold start


def cold_start(browser: Any, env: dict[str, str], name: str, repeats: int) -> dict[str, list[float]]:
    path, selector, _ = PAGES[name]
    out: dict[str, list[float]] = {"boot": [], "cold": [], "cold_settled": [], "warm": []}
    for _ in range(repeats):
        with server(env) as (url, boot):
            out["boot"].append(boot * 1000)
            with session(browser) as page:
                t0 = time.perf_counter()
                out["cold"].append(opened(page, f"{url}/{path}", selector))
                settle(page)
                out["cold_settled"].append((time.perf_counter() - t0) * 1000)
            with session(browser) as page:
                out["warm"].append(opened(page, f"{url}/{path}", selector))
    return out


HELLO = """import plotly.graph_objects as go
import streamlit as st

st.title("Hello")
st.plotly_chart(go.Figure(go.Bar(x=[1, 2, 3], y=[3, 1, 2])))
st.dataframe({"a": [1, 2, 3]})
"""


def framework_floor(browser: Any, env: dict[str, str], tmp: Path, repeats: int) -> dict[str, list[float]]:
    """Streamlit itself: a fresh `streamlit run` of a page with one plotly chart and one table."""
    app = tmp / "hello.py"
    app.write_text(HELLO, encoding="utf-8")
    out: dict[str, list[float]] = {"chart": [], "table": [], "warm": []}
    for _ in range(repeats):
        with server(env, app) as (url, _):
            with session(browser) as page:
                out["chart"].append(opened(page, url, CHART))
                out["table"].append(until(page, _visible("[data-testid=stDataFrame]")))
            with session(browser) as page:
                out["warm"].append(opened(page, url, CHART))
    return out


# ----------------------------------------------------------------------------- (b) look up and score

MARKDOWN = "[data-testid=stMarkdownContainer]"
#: every chart of the result drawn (the gauge, the waterfall, the population charts: 5 at least; the
#: client's history charts come with the look-up) and no placeholder left
RESULT_CHARTS = """() => { const c = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  return c.length >= 5 && c.every(e => e.querySelector('.main-svg'))
    && document.querySelectorAll('[data-testid=stSkeleton]').length === 0; }"""


def _sign(page: Any) -> None:
    box = page.get_by_label("Votre nom (chargé de clientèle)", exact=True)
    box.fill(OFFICER)
    box.press("Enter")
    settle(page)


def lookup_and_score(browser: Any, url: str, ids: list[int], repeats: int) -> dict[str, list[float]]:
    """Fresh session per repetition (no stale result on the page), a different client each time."""
    out: dict[str, list[float]] = {"lookup": [], "decision": [], "result": []}
    for i, cid in enumerate(ids[: repeats + 1]):
        with session(browser) as page:
            page.goto(url)
            settle(page)
            _sign(page)
            box = page.get_by_label("Identifiant client", exact=True)
            box.fill(str(cid))
            box.press("Tab")  # the live input reruns for its suggestions: not part of the look-up
            settle(page)
            load = page.get_by_role("button", name="Charger")
            history = f"Historique de crédit du client {cid}"
            lookup = timed(page, "click", load.click, {"history": (_has_text(MARKDOWN), history)})
            settle(page)
            score = page.get_by_role("button", name="Évaluer le dossier")
            marks = timed(
                page, "click", score.click,
                {"decision": (_has_text("h3"), f"/{DECISION.pattern}/"), "result": (RESULT_CHARTS, None)},
            )  # fmt: skip
            settle(page)
            if i:  # the first is a warm-up (the first score of a process builds what it caches)
                out["lookup"].append(lookup["history"])
                out["decision"].append(marks["decision"])
                out["result"].append(marks["result"])
    return out


# ----------------------------------------------------------------------------- (c) the threshold slider

COST_TEXT = """() => { const e = [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
  .find(c => c.textContent.includes('Coût =')); return e ? e.textContent : null; }"""
CURRENT_LINE = """(x) => [...document.querySelectorAll('[data-testid=stPlotlyChart] .legendtext')]
  .some(t => t.textContent.includes('Seuil choisi (' + x + ')'))"""


def move_threshold(browser: Any, url: str, repeats: int) -> dict[str, list[float]]:
    """One keyboard step (0.001) at a time -> the cost text changed, the curve's "chosen" line moved.

    A step that changes no count (no client between the two thresholds) leaves the text as it was: its
    text is not timed (the line moves at every step)."""
    out: dict[str, list[float]] = {"text": [], "curve": []}
    with session(browser) as page:
        page.goto(f"{url}/threshold")
        page.wait_for_selector(CHART, state="visible")
        settle(page)
        slider = page.get_by_role("slider").first
        while len(out["curve"]) < repeats:
            target = f"{float(slider.input_value()) + 0.001:.3f}"
            changed = f"(b) => {{ const now = ({COST_TEXT})(); return now !== null && now !== b; }}"
            slider.focus()
            marks = timed(
                page, "keydown", lambda: page.keyboard.press("ArrowRight"),
                {"curve": (CURRENT_LINE, target), "text": (changed, page.evaluate(COST_TEXT))}, optional=("text",),
            )  # fmt: skip
            settle(page)
            out["curve"].append(marks["curve"])
            if "text" in marks:
                out["text"].append(marks["text"])
    return out


# ----------------------------------------------------------------------------- main


def _row(name: str, ms: float, floor: float | None = None, note: str = "") -> None:
    ratio = f"{ms / floor:8.1f}x floor ({floor:8.2f} ms)" if floor else ""
    print(f"  {name:46s} {ms:9.1f} ms  {ratio} {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cold", type=int, default=3, help="cold starts per page")
    parser.add_argument("--repeats", type=int, default=7, help="repetitions of (b) and (c)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--skip-cold", action="store_true", help="only (b) and (c)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="pad-dash-bench-") as folder:
        tmp = Path(folder)
        (tmp / "home").mkdir()
        env = _env(tmp)
        ids = prepare_store(env)
        print(f"cores {os.cpu_count()}, {_load()} at the start; store: {env['DEMO_STORE_CLIENTS']} clients, "
              f"{SEEDED_DECISIONS} decisions logged; medians of {args.cold} cold starts, {args.repeats} interactions; "
              "times on the page's clock (navigation start, or the click / key event)")  # fmt: skip
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            if not args.skip_cold:
                print("(a) cold start: a fresh `streamlit run`, a fresh browser context, the page opened")
                hello = framework_floor(browser, env, tmp, args.cold)
                _row("floor: Streamlit hello page -> plotly chart", _median(hello["chart"]))
                _row("floor: Streamlit hello page -> table", _median(hello["table"]))
                _row("floor: Streamlit hello page -> chart (warm)", _median(hello["warm"]))
                for name in args.pages:
                    res = cold_start(browser, env, name, args.cold)
                    floor = _median([cold_floor(name, env) for _ in range(args.cold)])
                    what = PAGES[name][2]
                    shown = hello["chart"] if what == "first chart" else hello["table"]
                    _row(f"{name}: server start -> /health", _median(res["boot"]))
                    _row(f"{name}: open -> {what} (cold)", _median(res["cold"]), floor,
                         "floor: a fresh python importing core, loading, computing")  # fmt: skip
                    _row("", _median(res["cold"]), _median(shown), "floor: the Streamlit hello page")
                    _row(f"{name}: open -> page settled (cold)", _median(res["cold_settled"]))
                    _row(f"{name}: open -> {what} (warm server)", _median(res["warm"]))
                print(f"  ({_load()})")
            floors = interaction_floors(ids)
            with server(env) as (url, _):
                with session(browser) as page:  # the first run of the process, not timed
                    page.goto(url)
                    settle(page)
                res = lookup_and_score(browser, url, ids, args.repeats)
                print("(b) scoring page: a stored client looked up, then scored (fresh session each time)")
                looked_up = floors["application"] + floors["history"]
                _row("Load -> client's history shown", _median(res["lookup"]), looked_up,
                     "floor: application + history from the store")  # fmt: skip
                _row("Score -> decision rendered", _median(res["decision"]), floors["score"],
                     f"floor: ScoringService.score (decide + log: {floors['decide']:.2f} ms)")  # fmt: skip
                _row("Score -> whole result drawn (every chart)", _median(res["result"]))
                total = _median([a + b for a, b in zip(res["lookup"], res["decision"], strict=True)])
                _row("look-up + score -> decision (sum)", total, looked_up + floors["score"])
                print(f"  ({_load()})")
                res = move_threshold(browser, url, args.repeats)
                print("(c) threshold page: one keyboard step of the slider")
                _row(
                    "step -> cost text updated",
                    _median(res["text"]),
                    floors["confusion"],
                    "floor: core.confusion_at",
                )
                _row("step -> cost curve's chosen line moved", _median(res["curve"]), floors["confusion"])
                print(f"  ({_load()})")
            browser.close()


if __name__ == "__main__":
    main()
