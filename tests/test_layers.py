"""The layers: a pure core, a kernel side, a thin web (checked on the source).

The web is a project package (``visualizer.project``) and two apps: the
learner side (``visualizer.learn``) and workshops (``visualizer.workshops``).
They import the core and the lab client only, never the kernel side;
workshops may import the learner side, never the reverse.  The core imports
no kernel, socket, process or Django module; no module grows past ~400
lines, no function past ~60.
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
MAX_FUNCTION_LINES = 60
WEB_PACKAGES = ("project", "learn", "workshops")


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
        if rel[0] in ("core", "lab") or "migrations" in rel or rel == ("__init__.py",):
            continue
        yield p


def test_the_web_is_a_project_and_two_apps():
    outside = sorted(str(p.relative_to(ROOT)) for p in web_modules()
                     if p.relative_to(PKG).parts[0] not in WEB_PACKAGES)
    assert not outside, f"web modules outside the project and the apps: {outside}"
    from django.apps import apps
    names = {c.name for c in apps.get_app_configs()}
    assert {"visualizer.learn", "visualizer.workshops"} <= names


def test_the_learner_side_does_not_import_workshops():
    bad = {}
    for p in sorted((PKG / "learn").rglob("*.py")):
        wrong = {m for m in imports(p) if m.startswith("visualizer.workshops")}
        if wrong:
            bad[str(p.relative_to(ROOT))] = sorted(wrong)
    assert not bad, f"the learner side importing workshops: {bad}"
    assert "visualizer.learn.recording" in imports(PKG / "workshops" / "signals.py")


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


def test_no_function_is_over_60_lines():
    long = {}
    for p in sorted(PKG.rglob("*.py")):
        if "migrations" in p.parts:
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{p.relative_to(ROOT)}:{node.name}"] = n
    assert not long, f"split these: {long}"


def test_no_module_is_over_400_lines():
    files = (list(PKG.rglob("*.py")) + list((ROOT / "static" / "js").glob("*.js"))
             + list(PKG.rglob("static/**/*.js")))
    long = {str(p.relative_to(ROOT)): n for p in files
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these: {long}"
