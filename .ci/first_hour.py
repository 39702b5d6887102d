"""A Django developer's first hour, done by CI: the README followed word for word.

Builds the wheel and the sdist, installs the wheel into a new virtualenv with
the README's own `pip install` line, runs `django-admin startproject mysite`
and `startapp shop`, writes the files the README shows (read out of README.md
itself, from the blocks marked `<!-- first-hour: PATH [append] -->`, so the
README cannot drift from what works), migrates, and serves the site with plain
daphne, in development (DEBUG on) and in production (DEBUG off, after
collectstatic). Against each it checks that chat.js and chat.css load, and
drives the chapter's flow over a real socket (cookies from a GET, as a browser
has them). Then it runs the README's ten-line test with `manage.py test`, and
shows that a missing extra is named. Run by .ci/run with the suite's venv:

    .venv/bin/python .ci/first_hour.py
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
MARK = re.compile(r"<!-- first-hour: (\S+)(?: (append))? -->\n```\w*\n(.*?)```", re.DOTALL)
GREETING = "Hello! I can pretend to delete data. Try typing 'delete my data'."


def say(text: str) -> None:
    print(f"first hour: {text}", flush=True)


def run(*args: str | Path, cwd: Path | None = None, expect: int = 0) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != expect:
        command = " ".join(map(str, args))
        sys.exit(f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def snippets() -> dict[str, tuple[str, bool]]:
    """The README's marked blocks: path -> (text, append to the generated file?)."""
    found = {path: (text, bool(append)) for path, append, text in MARK.findall(_readme())}
    wanted = {"install", "mysite/settings.py", "mysite/asgi.py", "mysite/urls.py"}
    wanted |= {"shop/actions.py", "shop/tests.py"}
    if missing := wanted - set(found):
        sys.exit(f"README.md has no first-hour block for {sorted(missing)}")
    return found


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def build(out: Path) -> Path:
    run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    wheel, sdist = next(out.glob("*.whl")), next(out.glob("*.tar.gz"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("licenses/LICENSE") for n in names), "the wheel has no LICENSE"
    assert not [n for n in names if n.split("/")[0] in {"tests", "project", "bench"}], names
    with tarfile.open(sdist) as archive:
        members = {m.split("/", 1)[-1] for m in archive.getnames()}
    needed = {"LICENSE", "tests/conftest.py", "tests/servers.py", "project/settings.py"}
    assert needed <= members, f"the sdist lacks {needed - members}"
    say(f"built {wheel.name} ({wheel.stat().st_size / 1000:.1f} kB) and {sdist.name}")
    return wheel


def install(venv: Path, wheel: Path, line: str) -> Path:
    """A new virtualenv, and the README's `pip install` line with the wheel for the package."""
    run(sys.executable, "-m", "venv", venv)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    args = line.split()[2:]  # after "pip install"
    run(*pip, *[str(wheel) if a == "django-chatactions" else a for a in args])
    listed = run(venv / "bin" / "python", "-m", "pip", "list", "--format=json")
    count = len(json.loads(listed[listed.index("[") :].splitlines()[0]))
    say(f"installed: {line!r} -> {count} packages in the new venv (pip list)")
    return venv / "bin"


def write_site(bin: Path, site: Path, blocks: dict[str, tuple[str, bool]]) -> None:
    site.mkdir()
    run(bin / "django-admin", "startproject", "mysite", site)
    run(bin / "python", "manage.py", "startapp", "shop", cwd=site)
    for path, (text, append) in blocks.items():
        if path == "install":
            continue
        file = site / path
        file.write_text((file.read_text() + "\n\n" if append else "") + text)
        say(f"wrote {path} from README.md ({'appended' if append else 'replaced'})")
    # Production: the same site with DEBUG off (startproject hard-codes DEBUG = True).
    (site / "mysite" / "production.py").write_text(
        'from .settings import *\n\nDEBUG = False\nALLOWED_HOSTS = ["127.0.0.1"]\n'
    )
    (site / "mysite" / "several.py").write_text(
        "from .settings import *\n\nCHANNEL_LAYERS = {'default': {'BACKEND': "
        "'channels_redis.pubsub.RedisPubSubChannelLayer'}}\n"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def daphne(bin: Path, site: Path, settings: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings}
    command = [bin / "daphne", "-b", "127.0.0.1", "-p", str(port), "mysite.asgi:application"]
    log = (site / f"daphne-{port}.log").open("w")
    process = subprocess.Popen(command, cwd=site, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"daphne did not start:\n{Path(log.name).read_text()}")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def check_page(host: str) -> tuple[str, str]:
    """GET /chat/ as a browser: the conversation's id, its session cookie, and the static files."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://{host}/chat/")
    conversation = page.url.rstrip("/").rsplit("/", 1)[-1]
    html = page.read().decode()
    assets = re.findall(r'(?:src|href)="(/static/chatactions/chat\.(?:js|css))"', html)
    assert sorted(assets) == ["/static/chatactions/chat.css", "/static/chatactions/chat.js"], html
    for asset in assets:
        response = opener.open(f"http://{host}{asset}")
        assert response.status == 200 and len(response.read()) > 1000, asset
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    say(f"  GET /chat/ -> {page.status}; chat.js and chat.css -> 200")
    return conversation, cookie


async def drive(host: str, conversation: str, cookie: str) -> None:
    """The chapter over a real socket: greeting, the question, Confirm, the button gone."""
    url = f"ws://{host}/ws/chat/{conversation}/"
    async with connect(url, origin=f"http://{host}", additional_headers={"Cookie": cookie}) as ws:

        async def ask(frame: dict[str, Any]) -> list[dict[str, Any]]:
            await ws.send(json.dumps({**frame, "ref": "r"}))
            frames = []
            while (reply := json.loads(await ws.recv()))["type"] != "ack":
                if not reply["type"].startswith("task."):  # "the bot is working": not news
                    frames.append(reply)
            assert reply["status"] == "ok", reply
            return frames

        assert [f["content"] for f in await ask({"type": "sync", "after": None})] == [GREETING]
        *_, question = await ask({"type": "message", "content": "delete my data"})
        assert [a["label"] for a in question["actions"]] == ["Confirm Deletion", "Cancel"]
        answer, removed = await ask({"type": "action", "id": question["actions"][0]["id"]})
        assert answer["content"].startswith("Okay, deleting 'important_data.txt'"), answer
        assert (removed["type"], removed["id"]) == ("action.remove", question["actions"][0]["id"])
    say("  socket: greeting, 'delete my data' -> Confirm Deletion | Cancel, Confirm -> deleted")


def main() -> None:
    blocks = snippets()
    with tempfile.TemporaryDirectory(prefix="first-hour-") as tmp:
        work = Path(tmp)
        wheel = build(work / "dist")
        bin = install(work / "venv", wheel, blocks["install"][0].strip())
        site = work / "site"
        write_site(bin, site, blocks)
        python = [bin / "python", "manage.py"]
        run(*python, "migrate", "--noinput", cwd=site)
        checked = run(*python, "check", cwd=site)
        assert "no issues" in checked, checked
        say(f"migrate; manage.py check: {checked.strip()}")
        for name, settings in [("development", "mysite.settings"), ("production", "")]:
            if settings == "":
                settings = "mysite.production"
                run(*python, "collectstatic", "--noinput", f"--settings={settings}", cwd=site)
                deploy = run(*python, "check", "--deploy", f"--settings={settings}", cwd=site)
                ours = sorted(set(re.findall(r"\((chatactions\.\w+)\)", deploy)))
                assert ours == ["chatactions.W003"], deploy  # one process: in-memory layer
                say(f"collectstatic; check --deploy, chatactions: {', '.join(ours)}")
            with daphne(bin, site, settings) as host:
                say(f"daphne mysite.asgi:application, {name} ({settings})")
                asyncio.run(drive(host, *check_page(host)))
        tested = run(*python, "test", "shop", cwd=site)
        assert re.search(r"Ran 1 test.*\n\nOK", tested, re.DOTALL), tested
        say("manage.py test shop (the README's test): Ran 1 test, OK")
        several = run(*python, "check", "--settings=mysite.several", cwd=site, expect=1)
        assert 'pip install "django-chatactions[redis]"' in several, several
        api = run(bin / "python", "-c", "import chatactions.api", cwd=site, expect=1)
        assert 'pip install "django-chatactions[api]"' in api, api
        say(
            "without extras: a channels_redis layer -> chatactions.E007 [redis]; "
            "import chatactions.api -> ImproperlyConfigured [api]"
        )
    say("done")


if __name__ == "__main__":
    main()
