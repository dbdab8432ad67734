// Test data: the hook model as the server sends it (model.json, checked against the live
// model when the project's Python is there) and two real runs recorded from the kernel
// (runs.json: `manage.py trace <lesson> --step N --all --json`, fields trimmed).
import { readFileSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, "..", "..");
export const MODEL = JSON.parse(readFileSync(join(here, "model.json"), "utf8"));
export const RUNS = JSON.parse(readFileSync(join(here, "runs.json"), "utf8"));

// the model as visualizer/core/model.py says it now, or null without the venv
export function liveModel() {
  const py = join(ROOT, ".venv", "bin", "python");
  if (!existsSync(py)) return null;
  const r = spawnSync(py, ["-c", "import json; from visualizer.core import model; print(json.dumps(model.as_dict()))"],
    { cwd: ROOT, encoding: "utf8", timeout: 60000 });
  return r.status === 0 ? JSON.parse(r.stdout) : null;
}
