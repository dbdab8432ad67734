// After a run: the result (replies, the step's grade, the permalink, the next step) and the
// prediction's grade, part by part, with the kernel's hints.
import { el } from "./dom.js";
import { gradeView, predictionRows, predictionScore } from "./grading.js";
import { warningText } from "./phrases.js";
import { S, t } from "./strings.js";

const R = S.result;

export function gradeBlock(grade) {
  const g = gradeView(grade);
  if (!g) return null;
  return el("details", { class: `grade ${g.passed ? "ok" : "bad"}`, open: !g.passed },
    el("summary", { text: g.title }),
    el("ul", {}, ...g.rows.map((r) => el("li", { class: r.ok ? "ok" : "bad" },
      el("span", { text: r.text }), el("span", { class: "observed", text: r.observed })))),
    g.note ? el("p", { class: "note", text: g.note }) : null);
}

// a traffic list's inspect actions (ip neigh, bridge fdb show): each command and its output
function inspectBlock(list) {
  if (!list || !list.length) return null;
  return el("details", { class: "inspect", open: true }, el("summary", { text: R.inspected }),
    ...list.flatMap((i) => [el("code", { class: "cmd", text: `${i.ns}# ${i.command}` }),
      el("pre", { text: i.output || "" })]));
}

function copyButton(url) {
  const b = el("button", { type: "button", class: "small", text: R.copyLink });
  b.addEventListener("click", async () => {
    const abs = new URL(url, location.href).href;
    try { await navigator.clipboard.writeText(abs); } catch { /* the link is still on the page */ }
    b.textContent = R.copied;
    setTimeout(() => { b.textContent = R.copyLink; }, 1500);
  });
  return b;
}

// urls: {page, json, text, pcapng?} of the recorded run; next: {href, title} | null (last step)
export function renderResult(div, res, { urls, recorded, next, home }) {
  div.hidden = false;
  const ok = !!res.ok;
  const head = el("div", { class: `summary ${ok ? "ok" : "bad"}` },
    el("strong", { text: ok ? R.ok : R.bad }),
    t(R.counts, { tx: res.transmitted ?? 0, rx: res.received ?? 0 }));
  const links = urls ? el("p", { class: "permalink" }, recorded ? R.recordedAs : R.savedAs,
    el("a", { href: urls.page, text: R.recordedRun }), " · ",
    el("a", { href: urls.json, text: R.json }), " · ", el("a", { href: urls.text, text: R.text }),
    ...(urls.pcapng ? [" · ", el("a", { href: urls.pcapng, text: R.pcapng, title: R.pcapngTitle,
      "data-pcapng": "1" })] : []), " ",
    copyButton(urls.page)) : null;
  const pg = res.prediction_grade;
  const pline = pg && pg.total ? el("p", { class: "prediction-line" },
    el("a", { href: "#prediction-grade", text: t(recorded ? R.predictionLineRecorded : R.predictionLine,
      { right: pg.right, total: pg.total }) })) : null;
  const nextLink = recorded ? null : el("p", { class: "next-line" }, next
    ? el("a", { class: "button", href: next.href, "data-next": "1", text: t(R.next, { title: next.title }) })
    : el("a", { href: home, text: R.last }));
  div.replaceChildren(...[head, res.command ? el("code", { class: "cmd", text: `$ ${res.command}` }) : null,
    res.warning ? el("p", { class: "hint bad", text: warningText(res) }) : null,
    gradeBlock(res.grade), inspectBlock(res.inspect), pline, nextLink, links].filter(Boolean));
}

// the prediction's grade next to the predict panel: each part, said / kernel, and the hint
export function renderPredictionGrade(div, res, model) {
  const pg = res && res.prediction_grade;
  if (!pg || !pg.parts || !pg.parts.length) { div.hidden = true; div.replaceChildren(); return; }
  div.hidden = false;
  const P = S.predict;
  // a recorded run (a permalink, a spotlight) may be anyone's: its prediction, not "yours"
  const recorded = typeof document !== "undefined" && document.body.classList.contains("recorded");
  div.replaceChildren(...[
    el("h3", {}, (recorded ? P.titleRecorded : P.title) + ": ", el("span", { class: pg.right === pg.total ? "ok" : "bad", text: predictionScore(pg) })),
    el("ul", { class: "parts" }, ...predictionRows(pg, model).map((r) => el("li", {
      class: `part ${r.right ? "right" : "wrong"}`, "data-part": r.part },
    el("span", { class: "mark", text: r.right ? P.mark.right : P.mark.wrong }),
    el("span", { class: "sr-only", text: r.right ? R.right : R.wrong }),
    el("strong", { text: ` ${r.label}: ` }),
    el("span", { class: "said", text: t(recorded ? P.saidRecorded : P.yourSaid, { said: r.said }) }), " · ",
    el("span", { class: "kernel", text: t(P.kernelSaid, { kernel: r.kernel }) }),
    r.hint ? el("p", { class: "hint", text: r.hint }) : null))),
    stepLine(res.grade)].filter(Boolean));
}

function stepLine(grade) {
  const g = gradeView(grade);
  return g ? el("p", { class: `step-line ${g.passed ? "ok" : "bad"}`, text: g.title }) : null;
}
