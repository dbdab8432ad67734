"""A saved experiment's step text (``core/lessonexport.py``): before the run, what it
starts from, changes and sends, and a neutral question; after it, what the run this
lesson was saved from observed, one sentence per fact its ``expect`` asserts.  Pure;
every sentence is a catalogue message."""
from __future__ import annotations

from . import model, phrases

phrases.define({
    "export.item.ping": "{src} pings {dst} (count: {count})",
    "export.item.udp": "{src} sends UDP datagrams to {dst} port {port} (count: {count})",
    "export.item.tcp": "{src} opens a TCP connection to {dst} port {port}",
    "export.item.http": "{src} fetches http://{dst}:{port}/ with curl",
    "export.after.http": "The response had HTTP status {status} and the body {body}.",
    "export.after.http_refused": "No HTTP response: the connection was refused.",
    "export.after.http_timed_out": "No HTTP response: the request timed out.",
    "export.before.start": "This step was saved from an experiment run. It starts from {base}.",
    "export.before.changes": "Before the traffic, it makes these changes:",
    "export.before.traffic": "Then it sends, in order:",
    "export.before.question": "**Your question:** does the traffic get through, and which "
                              "hooks does it visit?",
    "export.after.head": "What the kernel showed in the run this lesson was saved from:",
    "export.after.ok": "{item}: it got through ({received} of {transmitted} answered).",
    "export.after.failed": "{item}: it did not get through ({received} of {transmitted} "
                           "answered).",
    "export.after.refused": "{refused} ICMP errors came back for it.",
    "export.after.path": "Its first request went the whole way along the path {path}: {hops}.",
    "export.after.hooks": "Its first request visited {hops}, and no hook after that.",
    "export.after.reply_path": "Its first reply went along the path {path}: {hops}.",
    "export.after.drop": "A packet of it was dropped in {chain}.",
    "export.after.drop_by": "A packet of it was dropped in {chain}, by the chain's {by}.",
    "export.after.nat": "Its first request's {field} address was rewritten to {new} at {at}.",
    "export.after.conntrack": "The conntrack table had an entry for it.",
    "export.after.no_conntrack": "The conntrack table had no entry for it.",
})


def describe_item(t) -> phrases.Msg:
    """One traffic item in words (who sends what to whom)."""
    if t.kind == "ping":
        return phrases.msg("export.item.ping", src=t.src, dst=t.dst, count=t.count)
    if t.kind == "udp":
        return phrases.msg("export.item.udp", src=t.src, dst=t.dst, count=t.count, port=t.port)
    if t.kind == "http":
        return phrases.msg("export.item.http", src=t.src, dst=t.dst, port=t.port)
    return phrases.msg("export.item.tcp", src=t.src, dst=t.dst, port=t.port)


def _hops(hops) -> str:
    return " → ".join(f"{f} {h.upper()}" for f, h in hops)


def before_text(base: phrases.Msg, actions, items) -> str:
    lines = [phrases.msg("export.before.start", base=base).text(), ""]
    if actions:
        lines += [phrases.msg("export.before.changes").text(), ""]
        lines += [f"- `{a.describe()}`" for a in actions] + [""]
    lines += [phrases.msg("export.before.traffic").text(), ""]
    lines += [f"{n}. {m.text()}" for n, m in enumerate(items, start=1)] + [""]
    return "\n".join(lines + [phrases.msg("export.before.question").text()]) + "\n"


def facts(item, res: dict, expect: dict) -> list[phrases.Msg]:
    """The sentences for one item's observations (those its ``expect`` asserts)."""
    head = "export.after.ok" if res.get("ok") else "export.after.failed"
    out = [phrases.msg(head, item=item, received=res.get("received") or 0,
                       transmitted=res.get("transmitted") or 0)]
    if res.get("http_status"):        # an http item (its refused is curl's, not ICMP errors)
        out.append(phrases.msg("export.after.http", status=res["http_status"],
                               body=repr((res.get("http_body") or "").strip()[:80])))
    elif res.get("http_error") in ("refused", "timed out"):
        out.append(phrases.msg("export.after.http_" + res["http_error"].replace(" ", "_")))
    elif res.get("refused"):
        out.append(phrases.msg("export.after.refused", refused=res["refused"]))
    if "path" in expect:
        out.append(phrases.msg("export.after.path", path=expect["path"],
                               hops=_hops(model.PATHS[expect["path"]])))
    if "hooks" in expect:
        out.append(phrases.msg("export.after.hooks",
                               hops=_hops(h.split(":", 1) for h in expect["hooks"])))
    if "reply_path" in expect:
        out.append(phrases.msg("export.after.reply_path", path=expect["reply_path"],
                               hops=_hops(model.PATHS[expect["reply_path"]])))
    if "drop" in expect:
        out.append(phrases.msg("export.after.drop_by", chain=expect["drop"], by=expect["last"])
                   if "last" in expect else phrases.msg("export.after.drop", chain=expect["drop"]))
    if "nat" in expect:
        out.append(phrases.msg("export.after.nat", field=expect["nat_field"],
                               new=expect["nat_new"], at=expect["nat"]))
    if "conntrack" in expect:
        out.append(phrases.msg("export.after.conntrack" if expect["conntrack"]
                               else "export.after.no_conntrack"))
    return out


def after_text(exp, result: dict, expects: list[dict]) -> str:
    """The explanation, once the step has run: each item's observations."""
    per_item = result.get("items") or [result]
    lines = [phrases.msg("export.after.head").text(), ""]
    for n, (t, expect) in enumerate(zip(exp.traffic, expects)):
        res = per_item[n] if n < len(per_item) else {}
        sentences = facts(describe_item(t), res, expect)
        lines.append(f"{n + 1}. " + phrases.text_of(sentences))
    return "\n".join(lines) + "\n"
