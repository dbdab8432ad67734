"""The layers: a pure core, a kernel side, a thin web (checked on the source).

The web layer (views, consumers, services, templatetags, management
commands) imports the core and the lab client only, never the kernel side;
the core imports no kernel, socket, process or Django module; no module
grows past ~400 lines.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "visualizer"
WEB_MAY_IMPORT_FROM_LAB = {"visualizer.lab.client"}
CORE_MAY_NOT = ("visualizer.lab", "pyroute2", "socket", "subprocess", "ctypes", "select",
                "selectors", "asyncio", "django", "channels", "threading")
MAX_LINES = 400


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text())
    here = module_name(path).split(".")
    pkg = here[:-1] if path.name != "__init__.py" else here
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = pkg[:len(pkg) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def web_modules():
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG).parts
        if rel[0] in ("core", "lab", "migrations"):
            continue
        yield p


def test_the_web_layer_does_not_import_the_kernel_side():
    bad = {}
    for p in web_modules():
        lab = {m for m in imports(p) if m.startswith("visualizer.lab")}
        wrong = {m for m in lab if not any(m == ok or m.startswith(ok + ".") for ok in WEB_MAY_IMPORT_FROM_LAB)
                 and m != "visualizer.lab"}
        if wrong:
            bad[str(p.relative_to(ROOT))] = sorted(wrong)
    assert not bad, f"web modules importing the kernel side: {bad}"


def test_the_core_does_no_io():
    bad = {}
    for p in sorted((PKG / "core").glob("*.py")):
        wrong = {m for m in imports(p) if m.split(".")[0] in {c.split(".")[0] for c in CORE_MAY_NOT}
                 and any(m == c or m.startswith(c + ".") for c in CORE_MAY_NOT)}
        if wrong:
            bad[p.name] = sorted(wrong)
    assert not bad, f"core modules importing kernel/process/web modules: {bad}"


def test_the_checker_sees_imports():
    """The check itself works: the kernel side does import the kernel side."""
    assert "visualizer.lab.netlink" in imports(PKG / "lab" / "session.py")
    assert "visualizer.core.events.Tracker" in imports(PKG / "lab" / "session.py")


def test_no_module_is_over_400_lines():
    files = list(PKG.rglob("*.py")) + list((ROOT / "static" / "js").glob("*.js"))
    long = {str(p.relative_to(ROOT)): n for p in files
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these: {long}"
