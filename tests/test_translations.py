"""The chat in the visitor's language: pages, notices, socket answers and the shipped catalogues.

A pseudo-language whose catalogue wraps every shipped string in ``⟦…⟧`` shows
what is not marked: rendered under it, any text of the page that is not
wrapped is a string a translator can never reach.
"""

from __future__ import annotations

import array
import ast
import gettext
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings
from django.utils import translation
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions import texts
from chatactions.models import ActionClick, Conversation, Message
from chatactions.rendering import page_socket_url
from chatactions.texts import requested_language
from project.asgi import application

from .conftest import ORIGIN, Socket, Visitor
from .servers import missing_service

pytestmark = pytest.mark.django_db(transaction=True)

LOCALE = Path(ca.__file__).parent / "locale"
SHIPPED = ["ar", "de", "fr"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


# Reading and writing catalogues -----------------------------------------------------


def read_po(path: Path) -> dict[str, str]:
    """msgid (``context\\x04msgid`` with a context) -> msgstr, the header left out."""
    entries: dict[str, str] = {}
    fields: dict[str, str] = {}
    current = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if fields.get("msgid"):
                key = fields["msgid"]
                if "msgctxt" in fields:
                    key = f"{fields['msgctxt']}\x04{key}"
                entries[key] = fields.get("msgstr", "")
            fields, current = {}, ""
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            fields[current] += ast.literal_eval(line)
        else:
            current, quoted = line.split(" ", 1)
            fields[current] = ast.literal_eval(quoted)
    return entries


def write_mo(path: Path, catalogue: dict[str, str]) -> None:
    """A GNU .mo file, as msgfmt writes it, so the test needs no gettext tools."""
    catalogue = {"": "Content-Type: text/plain; charset=UTF-8\n", **catalogue}
    keys = sorted(catalogue)
    ids = strs = b""
    offsets = []
    for key in keys:
        k, v = key.encode(), catalogue[key].encode()
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\0"
        strs += v + b"\0"
    start = 7 * 4 + 16 * len(keys)
    table = []
    for id_at, id_len, _, _ in offsets:
        table += [id_len, start + id_at]
    for _, _, str_at, str_len in offsets:
        table += [str_len, start + len(ids) + str_at]
    head = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + array.array("i", table).tobytes() + ids + strs)


class Texts(HTMLParser):
    """What a person reads or hears on a page: text, labels, placeholders, titles."""

    SPOKEN = ("aria-label", "placeholder", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.skipping: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("svg", "script", "time"):  # icons; the strings block; a clock time
            self.skipping.append(tag)
        self.found += [value for name, value in attrs if name in self.SPOKEN and value]

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if self.skipping == ["script"]:
            self.scripts.append(data)
        elif not self.skipping and data.strip():
            self.found.append(data.strip())


def unwrapped(html: str) -> list[str]:
    texts_ = Texts()
    texts_.feed(html)
    pieces = list(texts_.found)
    for script in texts_.scripts:
        pieces += [text for group in json.loads(script).values() for text in group.values()]
    return [text for text in pieces if not re.fullmatch(r"(⟦[^⟦⟧]*⟧\s*)+", text)]


@pytest.fixture
def pseudo(tmp_path: Path) -> Iterator[Client]:
    """A language "eo" whose catalogue is every shipped msgid, wrapped in ⟦…⟧."""
    wrapped = {
        key: f"⟦{key.split(chr(4))[-1]}⟧" for key in read_po(LOCALE / "fr/LC_MESSAGES/django.po")
    }
    write_mo(tmp_path / "eo/LC_MESSAGES/django.mo", wrapped)
    languages = [("en", "English"), ("eo", "Pseudo")]
    with override_settings(LOCALE_PATHS=[tmp_path], LANGUAGES=languages):
        yield Client(headers={"accept-language": "eo"})


def in_french() -> Visitor:
    return Visitor(Client(headers={"accept-language": "fr"}))


def send(
    conversation: Conversation, content: str, actions: Iterable[ca.Action] = ()
) -> ca.Message:
    return async_to_sync(
        ca.Message(content, actions=list(actions), conversation=conversation).send
    )()


# Every string is marked -------------------------------------------------------------


def in_pseudo(
    client: Client, content: str, actions: Iterable[ca.Action] = ()
) -> tuple[str, ca.Message]:
    """A conversation of ``client``'s holding one bot message saved in the pseudo-language.

    The demo bot's greeting is removed: its texts are the site's, not ours.
    """
    conversation = Visitor(client).start()
    Message.objects.all().delete()
    with translation.override("eo"):  # its author: DEFAULT_AUTHOR, translated when saved
        message = send(conversation, content, actions)
    return f"/chat/{conversation.uuid}/", message


def test_every_text_of_the_chat_page_is_marked_for_translation(pseudo: Client) -> None:
    actions = [ca.Action("go", "⟦Go⟧", tooltip="⟦Tip⟧", confirm="⟦Q⟧")]
    url, _ = in_pseudo(pseudo, "⟦Pick⟧", actions)
    pseudo.post(url, {"content": "⟦Hi⟧"})  # its author: "You"
    Message.objects.filter(from_user=False).exclude(content="⟦Pick⟧").delete()  # the bot's
    html = pseudo.get(url).content.decode()
    assert '<html lang="eo"' in html and "⟦Send⟧" in html and ">⟦You⟧<" in html
    assert unwrapped(html) == []


def test_the_confirmation_page_is_marked_too(pseudo: Client) -> None:
    url, message = in_pseudo(pseudo, "⟦Pick⟧", [ca.Action("go", "⟦Go⟧")])
    html = pseudo.get(f"{url}actions/{message.actions[0].id}/confirm/").content.decode()
    assert "⟦Are you sure?⟧" in html
    assert unwrapped(html) == []


def test_the_check_itself_finds_an_unmarked_string(pseudo: Client) -> None:
    url, _ = in_pseudo(pseudo, "Not wrapped")
    assert unwrapped(pseudo.get(url).content.decode()) == ["Not wrapped"]


def test_the_socket_path_has_no_language_when_none_is_active(visitor: Visitor) -> None:
    conversation = visitor.start()
    with translation.override(None):
        assert page_socket_url(conversation) == f"/ws/chat/{conversation.uuid}/"


def test_the_catalogues_hold_exactly_what_the_code_marks(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        missing_service("xgettext is not installed (apt-get install gettext)")
    copy = tmp_path / "chatactions"
    shutil.copytree(LOCALE.parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "--all", "--no-obsolete"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )
    for language in SHIPPED:
        fresh = read_po(copy / f"locale/{language}/LC_MESSAGES/django.po")
        shipped = read_po(LOCALE / f"{language}/LC_MESSAGES/django.po")
        assert sorted(fresh) == sorted(shipped), language


# The shipped catalogues ---------------------------------------------------------------


@pytest.mark.parametrize("language", SHIPPED)
def test_each_language_translates_every_string_and_keeps_its_placeholders(language: str) -> None:
    catalogue = read_po(LOCALE / f"{language}/LC_MESSAGES/django.po")
    assert len(catalogue) > 90
    for msgid, msgstr in catalogue.items():
        assert msgstr, f"{language}: {msgid!r} is not translated"
        assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(msgid)), msgid


@pytest.mark.parametrize("language", SHIPPED)
def test_each_compiled_catalogue_matches_its_po_file(language: str) -> None:
    folder = LOCALE / f"{language}/LC_MESSAGES"
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for msgid, msgstr in read_po(folder / "django.po").items():
        context, _, text = msgid.rpartition("\x04")
        found = compiled.pgettext(context, text) if context else compiled.gettext(text)
        assert found == msgstr, f"{language}: {msgid!r}: run compilemessages"


# Pages and forms in French -------------------------------------------------------------


def test_the_page_is_french_for_a_french_browser() -> None:
    visitor = in_french()
    conversation = visitor.start()
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert ">Envoyer</span>" in html and 'placeholder="Écrivez un message…"' in html
    assert "<title>Discussion</title>" in html
    assert f'data-socket="/ws/chat/{conversation.uuid}/?lang=fr"' in html


def test_the_scripts_strings_reach_the_page_translated() -> None:
    visitor = in_french()
    conversation = visitor.start()
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    block = re.search(
        rf'<script id="ca-strings-{conversation.uuid}" type="application/json">(.*?)</script>',
        html,
    )
    assert block is not None
    strings = json.loads(block.group(1))
    assert strings["states"]["open"] == "En direct"
    assert strings["refused"]["busy"] == "Cette action est déjà en cours."
    with translation.override("en"):
        english = texts.client_strings()
    assert strings.keys() == english.keys()
    assert all(strings[group].keys() == english[group].keys() for group in english)


def test_the_page_is_right_to_left_in_arabic() -> None:
    visitor = Visitor(Client(headers={"accept-language": "ar"}))
    conversation = visitor.start()
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'lang="ar" dir="rtl" data-chatactions' in html
    assert ">إرسال</span>" in html


def test_a_language_the_site_does_not_offer_falls_back_to_english() -> None:
    visitor = Visitor(Client(headers={"accept-language": "ja"}))
    conversation = visitor.start()
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert '<html lang="en" dir="ltr">' in html and ">Send</span>" in html


def test_a_refused_form_click_flashes_in_french_and_saves_no_click_as_ok() -> None:
    visitor = in_french()
    conversation = visitor.start()
    message = send(conversation, "x", [ca.Action("gone_one")])
    async_to_sync(message.actions[0].remove)()
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/click/"
    html = visitor.client.post(url, follow=True).content.decode()
    assert "Ce bouton n’est plus disponible." in html
    assert list(ActionClick.objects.values_list("outcome", flat=True)) == ["gone"]


def test_a_message_too_long_is_refused_in_french_and_not_saved(settings: Settings) -> None:
    settings.CHATACTIONS = {"MAX_MESSAGE_LENGTH": 10}
    visitor = in_french()
    conversation = visitor.start()
    before = Message.objects.count()
    url = f"/chat/{conversation.uuid}/"
    html = visitor.client.post(url, {"content": "x" * 11}, follow=True).content.decode()
    assert "Cela n’a pas pu être envoyé." in html
    assert Message.objects.count() == before


def test_the_confirmation_page_asks_in_french() -> None:
    visitor = in_french()
    conversation = visitor.start()
    message = send(conversation, "x", [ca.Action("plain", "Go")])
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/confirm/"
    html = visitor.client.get(url).content.decode()
    assert '<h1 class="ca-confirm-question">En êtes-vous sûr\u00a0?</h1>' in html
    assert ">Annuler</a>" in html


def test_the_admin_speaks_french(admin_client: Client) -> None:
    response = admin_client.get(
        "/admin/chatactions/actionclick/", headers={"accept-language": "fr"}
    )
    html = response.content.decode()
    assert "Actions de discussion" in html and "clics sur des actions" in html.lower()


# The socket speaks the page's language ---------------------------------------------------


def socket_in(visitor: Visitor, conversation: Conversation, query: str) -> Socket:
    headers = [(b"cookie", visitor.cookie), (b"host", b"localhost"), (b"origin", ORIGIN)]
    path = f"/ws/chat/{conversation.uuid}/{query}"
    return Socket(WebsocketCommunicator(application, path, headers=headers))


async def test_acks_over_a_french_socket_are_french() -> None:
    visitor = in_french()
    conversation = await sync_to_async(visitor.start)()
    message = await ca.Message(
        "x", actions=[ca.Action("gone_two")], conversation=conversation
    ).send()
    await message.actions[0].remove()
    socket = socket_in(visitor, conversation, "?lang=fr")
    await socket.connect()
    _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert (ack["status"], ack["detail"]) == ("gone", "Ce bouton n’est plus disponible.")
    _, ack = await socket.request(
        {"type": "sync", "after": "00000000-0000-0000-0000-000000000000"}
    )
    assert (ack["status"], ack["detail"]) == ("not_found", "Ce message n’existe pas.")
    await socket.close()


async def test_a_message_drawn_for_the_broadcast_is_in_the_sockets_language() -> None:
    visitor = in_french()
    conversation = await sync_to_async(visitor.start)()
    socket = socket_in(visitor, conversation, "?lang=de")  # the page was German, say
    await socket.connect()
    frames, _ = await socket.request({"type": "message", "content": "delete my data"})
    question = [f for f in frames if f["type"] == "message" and f["actions"]]
    assert question and 'aria-label="Aktionen"' in question[0]["html"]
    await socket.close()


@pytest.mark.parametrize(
    ("query", "language"),
    [
        (b"lang=fr", "fr"),
        (b"lang=fr-ca", "fr"),  # the closest one the site offers
        (b"lang=ar&x=1", "ar"),
        (b"lang=ja", "en-us"),  # not offered: LANGUAGE_CODE
        (b"lang=" + b"x" * 500, "en-us"),
        (b"", "en-us"),
    ],
)
def test_the_socket_takes_only_a_language_the_site_offers(query: bytes, language: str) -> None:
    assert requested_language({"query_string": query}) == language


def test_the_scripts_english_fallbacks_say_what_the_server_says_in_english() -> None:
    script = (LOCALE.parent / "static/chatactions/chat.js").read_text(encoding="utf-8")
    fallbacks = {}
    for group in ("refused", "states", "other"):
        block = re.search(rf"var ENGLISH_{group.upper()} = \{{(.*?)\}};", script, re.DOTALL)
        assert block is not None, group
        fallbacks[group] = dict(re.findall(r'(\w+): "([^"]*)"', block.group(1)))
    with translation.override("en"):
        assert fallbacks == texts.client_strings()
