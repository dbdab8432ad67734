// The engine's sentences in the page's language. The wire carries each sentence twice: its
// English text, and {id, args} (core/phrases.py). With the page's catalogue (page_data.phrases,
// core/phrases_<lang>.py) a sentence is rendered from its id; one the catalogue lacks, or with a
// phrase inside that it lacks, stays the English text the wire carries.
import { t } from "./strings.js";

let CAT = {}, SEP = ", ", JOIN = " ";

// cat: {id: template}; sep: how a list argument is joined; join: how sentences are
export function usePhrases(cat, { sep = ", ", join = " " } = {}) { CAT = cat || {}; SEP = sep; JOIN = join; }

const isMsg = (v) => v && typeof v === "object" && !Array.isArray(v) && typeof v.id === "string" && "args" in v;

function render(m) {
  const tpl = CAT[m.id];
  if (tpl === undefined) return null;
  const vars = {};
  for (const [k, v] of Object.entries(m.args || {})) {
    const parts = Array.isArray(v) ? v.map((x) => (isMsg(x) ? render(x) : String(x))) : [isMsg(v) ? render(v) : v];
    if (parts.some((p) => p === null)) return null;
    vars[k] = Array.isArray(v) ? parts.join(SEP) : parts[0];
  }
  return t(tpl, vars);
}

// An error message (lab.error, workshop.error, board.error) or a result's warning in the
// page's language: its message_msg / warning_msg, else the English message the wire carries
export const errorText = (msg) => say(msg.message_msg, msg.message);
export const warningText = (res) => say(res.warning_msg, res.warning);

// msgs: {id, args} or a list of them (one paragraph); english: the wire's text of the same
export function say(msgs, english) {
  if (!msgs || !Object.keys(CAT).length) return english;
  const list = Array.isArray(msgs) ? msgs : [msgs];
  const out = list.map(render);
  return out.length && out.every((s) => s !== null) ? out.join(JOIN) : english;
}
