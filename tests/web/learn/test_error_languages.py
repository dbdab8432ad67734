"""A refusal reaches the page as a catalogue message (``message_msg``) beside its English
``message``, and renders in each language with nothing English left but the rule's own
words (issue 20: Python's user-visible messages go through the catalogue)."""
import json
import re

import pytest

from visualizer.core import phrases

from ..support import communicator
from .test_consumer import BAD, stand_in  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)
LANGS = ("ja", "zh-hans", "zh-hant")
RULE = "-I FORWARD --modprobe=/bin/sh -j ACCEPT"


def arg_words(m) -> set[str]:
    """The words a message's parameters carry (field names, values: technical, kept as they are)."""
    out = set()
    for v in m.args.values():
        for x in v if isinstance(v, list) else [v]:
            out |= arg_words(x) if isinstance(x, phrases.Msg) else set(re.findall(r"[A-Za-z]{3,}", str(x)))
    return out


def english_words(text: str, m=None) -> set[str]:
    """Words of English prose left in a rendered message (technical words excluded)."""
    allowed = arg_words(m) if m is not None else set()
    text = re.sub(r"'[^']*'|\"[^\"]*\"|--?[\w-]+|\S*[/:.=\[\]]\S*|\b[A-Z][A-Z0-9_-]+\b", " ", text)
    return {w for w in re.findall(r"[A-Za-z]{3,}", text)} - {"iptables", "ebtables", "nft", "JSON"} - allowed


async def test_a_forbidden_rule_says_why_in_every_language(stand_in):  # noqa: F811
    comm = await communicator()
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 2,
                             "rules": [RULE]})
    reply = await comm.receive_json_from(timeout=5)
    await comm.disconnect()
    assert reply["kind"] == "forbidden" and reply["message_msg"]["id"] == "error.rule.nth"
    m = phrases.from_wire(reply["message_msg"])
    assert m.text() == reply["message"]
    for lang in LANGS:
        shown = phrases.render_in(lang, m)
        assert "--modprobe" in shown and not english_words(shown), (lang, shown)


async def test_every_refusal_of_bad_input_carries_its_catalogue_message(stand_in):  # noqa: F811
    comm = await communicator()
    for raw in BAD:
        await comm.send_to(text_data=raw)
        reply = json.loads(await comm.receive_from(timeout=5))
        assert reply["type"] == "lab.error", raw[:60]
        assert reply["message_msg"] and reply["message_msg"]["id"].startswith("error."), raw[:60]
        m = phrases.from_wire(reply["message_msg"])
        assert m.text() == reply["message"]
        for lang in LANGS:
            assert not english_words(phrases.render_in(lang, m), m), (lang, raw[:60])
    await comm.disconnect()
