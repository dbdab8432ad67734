"""The wire, declared once (``core/messages.py``): the doc says the same, nobody
writes a message as a dict literal, the limits come from the one config, and a
refused lab request is answered on its own id."""
from __future__ import annotations

import ast
import asyncio
import importlib.util
import json
from pathlib import Path

import pytest

from visualizer.core import errors, messages, protocol, wire
from visualizer.core.config import LabConfig

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "visualizer"
DECLARED = {m.type for m in messages.REGISTRY.all}


def _wiredoc():
    spec = importlib.util.spec_from_file_location("wiredoc", ROOT / "scripts" / "wiredoc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_doc_lists_every_message_and_field_as_declared():
    doc = (ROOT / "docs" / "engine-api.md").read_text()
    assert _wiredoc().section() in doc, "docs/engine-api.md is stale: run scripts/wiredoc.py"
    for m in messages.REGISTRY.all:
        assert f"`{m.type}`" in doc
        for f in m.fields:
            assert f"`{f.name}`" in doc
    for needed in ("`queued`", "`trace.events`", "`batch`", "`result line`", "`event line`",
                   '{"result": RESULT}'):
        assert needed in doc, needed


def _message_literals(path: Path) -> list[str]:
    """Dict literals whose "type" (or "op") names a declared message or an error."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Dict):
            continue
        for k, v in zip(node.keys, node.values):
            if not (isinstance(k, ast.Constant) and k.value in ("type", "op")):
                continue
            if isinstance(v, ast.Constant) and isinstance(v.value, str) and (
                    v.value in DECLARED or v.value.endswith(".error")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {v.value}")
            elif isinstance(v, ast.JoinedStr) and ".error" in ast.unparse(v):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(v)}")
    return found


def test_no_module_but_the_messages_module_writes_a_message_literal():
    here = [f for p in sorted(PKG.rglob("*.py")) if p.name != "messages.py"
            for f in _message_literals(p)]
    assert not here, f"make these with core/messages.py's constructors: {here}"


def test_the_literal_check_sees_one(tmp_path):
    p = tmp_path / "x.py"
    p.write_text('a = {"type": "lab.error", "kind": "input"}\nb = {"type": f"{x}.error"}\n')
    p = p.rename(ROOT / "tests" / "_tmp_literal_probe.py")
    try:
        assert len(_message_literals(p)) == 2
    finally:
        p.unlink()


def _run(n_rules: int) -> dict:
    return {"type": "lab.run", "lesson": "container-to-container", "step": 1,
            "rules": [f"-A DOCKER-USER -s 198.51.100.{i} -j DROP" for i in range(n_rules)]}


def test_rule_limits_come_from_the_config():
    _, clean = wire.check(messages.REGISTRY, "lab", _run(9), LabConfig(max_rules=9))
    assert len(clean["rules"]) == 9
    with pytest.raises(errors.InputError, match="at most 2") as e:
        wire.check(messages.REGISTRY, "lab", _run(3), LabConfig(max_rules=2))
    assert e.value.kind == errors.INPUT
    with pytest.raises(errors.InputError, match="at most 20 characters"):
        wire.check(messages.REGISTRY, "lab", _run(1), LabConfig(max_rule_len=20))


def _line(rid: int, n_rules: int) -> bytes:
    return protocol.encode_request(rid, "run", owner="o", lesson="container-to-container",
                                   step=1, rules=[f"-A FORWARD -s 198.51.100.{i} -j DROP"
                                                  for i in range(n_rules)])


def test_the_lab_takes_the_configured_limit_and_refuses_on_the_request_id():
    assert len(protocol.decode_request(_line(7, 9), LabConfig(max_rules=9))["rules"]) == 9
    with pytest.raises(protocol.ProtocolError, match="at most 2") as e:
        protocol.decode_request(_line(7, 3), LabConfig(max_rules=2))
    assert e.value.rid == 7 and e.value.kind == errors.INPUT
    with pytest.raises(protocol.ProtocolError) as e:
        protocol.decode_request(b'{"id": 12, "op": "warm", "lesson": "' + b"x" * 250 + b'"}')
    assert e.value.rid == 12
    with pytest.raises(protocol.ProtocolError) as e:
        protocol.decode_request(b'{"id":5,"op":"run",')     # not JSON: the id is still read
    assert e.value.rid == 5


async def test_the_lab_server_answers_a_refused_line_on_its_id():
    from visualizer.lab import server

    class Out:
        lines: list = []

        def write(self, data):
            self.lines += [json.loads(x) for x in data.splitlines()]

    lab = server.Lab(Out(), LabConfig(max_rules=2))
    reader = asyncio.StreamReader()
    reader.feed_data(_line(41, 3) + b'{"id": 42, "op": "ping", "x": 1}\n')
    reader.feed_eof()
    await asyncio.wait_for(server.serve(lab, reader), 5)
    got = {m["id"]: m for m in Out.lines}
    assert got[41]["type"] == "lab.error" and got[41]["kind"] == "input"
    assert "at most 2" in got[41]["message"]
    assert got[42]["type"] == "lab.error" and "unknown key" in got[42]["message"]


def test_constructors_refuse_what_is_not_declared():
    assert messages.error("busy", "wait") == {"type": "lab.error", "kind": "busy",
                                              "message": "wait", "message_msg": None}
    assert messages.error("input", "no", "board")["type"] == "board.error"
    with pytest.raises(TypeError):
        messages.make("lab", "lab.status", status="done", colour="red")
    with pytest.raises(KeyError):
        messages.make("lab", "lab.nope")


def test_every_kind_has_its_exception_and_seams_map_the_rest():
    for kind in errors.KINDS:
        e = errors.make(kind, "m")
        assert isinstance(e, errors.Error) and e.kind == kind
    assert errors.from_exception(asyncio.TimeoutError()).kind == errors.TIMEOUT
    assert errors.from_exception(ImportError("x")).kind == errors.UNAVAILABLE
    assert errors.from_exception(KeyError("x")).kind == errors.LAB
    assert errors.from_exception(KeyError("x"), other=errors.INTERNAL).kind == errors.INTERNAL
    from visualizer.core import lessons, predict, rulecheck
    for cls in (lessons.LessonError, predict.PredictionError, rulecheck.RuleRefused,
                protocol.ProtocolError):
        assert issubclass(cls, errors.InputError)


@pytest.mark.parametrize("text", ["[" * 4000, '{"a":' * 40 + "1" + "}" * 40])
def test_deep_nesting_is_refused_before_it_is_decoded(text):
    with pytest.raises(errors.InputError, match="nested deeper"):
        wire.decode(text, 1 << 20)
