#!/usr/bin/env python3
"""Drives stateright's Explorer (`cxspec explore`) in a real headless Chromium.

Usage: explorer_browser.py CHROMIUM URL SCREENSHOT

Talks the Chrome DevTools Protocol over Chromium's --remote-debugging-pipe (file
descriptors 3 and 4, messages ending in NUL), so it needs nothing beyond Python's
standard library and the browser: no WebSocket client, no npm package.

It loads the Explorer, picks the initial state, follows a path of three actions by
clicking their links under "Next Action Choices", then checks what a contact-center
engineer must see: the state panel names the conversation state, the sessions, the
tasks and the armed timers with their deadlines (not the Rust Debug dump), the path
lists the three actions by their input names, and the sequence diagram of the path is
drawn. It saves a screenshot to SCREENSHOT.

Exit codes: 0 every check passed, 1 a check failed (the message says which),
2 the browser could not be driven.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

# The path followed: a chat starts, the bot asks for an agent, the routing engine
# reserves agent 1 (2550490.md, PUSH). Each is the text of a link the Explorer shows.
PATH = [
    "SESSION_STARTED session=1 channel=NON_VOICE",
    "REQUEST_AGENT session=1",
    "RESERVE_AGENT agent=1",
]
TIMEOUT_S = 60


class Failed(Exception):
    """A check on the page failed (exit 1)."""


class Broken(Exception):
    """The browser could not be driven (exit 2)."""


class Browser:
    """Chromium with the DevTools Protocol on a pipe."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="cxspec-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        high_r = os_dup_high(to_browser_r)
        high_w = os_dup_high(from_browser_w)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def place_pipes():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1600,1000",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise.
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=place_pipes,
            close_fds=False,
        )
        os.close(high_r)
        os.close(high_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self.read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Broken(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def read(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_browser], [], [], left)[0]:
                raise Broken("the browser stopped answering")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise Broken("the browser closed its pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        if "exceptionDetails" in result:
            raise Broken(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what):
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise Failed(f"timed out waiting for {what}")

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Broken:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)


def os_dup_high(fd):
    """A copy of fd numbered 10 or more, so that placing it on 3 or 4 never clobbers it."""
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, 10)


# JavaScript helpers: the links under "Next Action Choices", the state panel's text.
CHOICES = """Array.from(document.querySelectorAll('nav ul')).map(ul => ul).filter(ul =>
  ul.previousElementSibling && ul.previousElementSibling.textContent.trim() === 'Next Action Choices')
  .flatMap(ul => Array.from(ul.querySelectorAll('a')).map(a => a.textContent.trim()))"""
STATE_PANEL = """(() => { const panels = document.querySelectorAll('section.main-flex-right > div');
  return panels.length ? panels[panels.length - 1].textContent : ''; })()"""


def click_choice(browser, text):
    """Clicks the next-action link whose text is `text` (the first one if `text` is None)."""
    found = browser.evaluate(
        """(() => { const want = %s;
  const uls = Array.from(document.querySelectorAll('nav ul')).filter(ul =>
    ul.previousElementSibling && ul.previousElementSibling.textContent.trim() === 'Next Action Choices');
  const links = uls.flatMap(ul => Array.from(ul.querySelectorAll('a')));
  const link = want === null ? links[0] : links.find(a => a.textContent.trim() === want);
  if (!link || !link.getAttribute('href')) return false;
  link.click(); return true; })()"""
        % json.dumps(text)
    )
    if not found:
        choices = browser.evaluate(CHOICES)
        raise Failed(f"no next action {text!r}; the Explorer offers: {choices}")


def check(condition, message):
    if not condition:
        raise Failed(message)


def run(chromium, url, screenshot):
    browser = Browser(chromium)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = browser.send(
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            session=False,
        )
        browser.session = attached["sessionId"]
        browser.send("Page.enable")
        browser.send("Runtime.enable")
        browser.send("Page.navigate", {"url": url})
        browser.wait_for(f"({CHOICES}).length > 0", "the Explorer's first choices")
        click_choice(browser, None)  # the initial state
        browser.wait_for(
            f"({CHOICES}).includes({json.dumps(PATH[0])})", "the initial state's actions"
        )
        for i, action in enumerate(PATH):
            click_choice(browser, action)
            if i + 1 < len(PATH):
                browser.wait_for(
                    f"({CHOICES}).includes({json.dumps(PATH[i + 1])})",
                    f"the actions after {action}",
                )
        state = browser.wait_for(
            f"(() => {{ const t = {STATE_PANEL}; return t.includes('RONA of task 1') ? t : ''; }})()",
            "the state after the third action",
        )
        # What an engineer reads: the conversation state, sessions, the task with its
        # state and media, and the armed timers with deadlines (2550490.md: RESERVED arms
        # RONA; the request's TTL runs until the agent accepts).
        check("conversation Created" in state, f"no conversation state in the panel:\n{state}")
        check("sessions: session 1 chat open" in state, f"no sessions in the panel:\n{state}")
        check("task 1 agent 1 Active media Reserved@1" in state, f"no task in the panel:\n{state}")
        check("timers: " in state and "RONA of task 1 (due " in state, f"no timers:\n{state}")
        check("request TTL (due " in state, f"no request TTL in the panel:\n{state}")
        check("ever_had_agent" not in state, f"the panel shows the Rust Debug dump:\n{state}")
        # "Complete State?" shows the state itself (its `{:#?}`), also readable.
        browser.evaluate(
            "document.querySelector('section.main-flex-right input[type=checkbox]').click()"
        )
        complete = browser.wait_for(
            f"(() => {{ const t = {STATE_PANEL}; return t.startsWith('conversation ') ? t : ''; }})()",
            "the complete state",
        )
        check("ever_had_agent" not in complete, f"the complete state is the Rust dump:\n{complete}")
        check("RONA of task 1 (due " in complete, f"no timers in the complete state:\n{complete}")
        browser.evaluate(
            "document.querySelector('section.main-flex-right input[type=checkbox]').click()"
        )
        path = browser.evaluate(
            "Array.from(document.querySelectorAll('ol.path-list a')).map(a => a.textContent.trim())"
        )
        for action in PATH:
            check(action in path, f"the path does not list {action!r}: {path}")
        svg = browser.evaluate(
            "(() => { const s = document.querySelector('section.main-flex-right svg');"
            " return s ? s.textContent : ''; })()"
        )
        check("3. RESERVE_AGENT agent=1" in svg, f"no sequence diagram of the path: {svg[:200]!r}")
        check("Routing Engine" in svg, "the sequence diagram has no Routing Engine lane")
        # The whole page: the properties list pushes the state panel below the fold.
        size = browser.send("Page.getLayoutMetrics")["cssContentSize"]
        shot = browser.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            },
        )
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"explorer browser test: path of {len(PATH)} actions followed; screenshot {screenshot}")
    finally:
        browser.close()


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        run(*sys.argv[1:])
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    except (Broken, OSError) as e:
        print(f"ERROR: cannot drive the browser: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
