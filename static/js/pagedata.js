// Reading page_data (pure): URLs from its templates, the run's permalinks, the progress line.
import { S, t } from "./strings.js";

const PROGRESS = S.progress;

// A URL from a page_data template: "/lessons/{lesson}/?step={step}", each value encoded
export function fillUrl(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? encodeURIComponent(vars[k]) : m));
}

// {id, page, json, text, pcapng?} of a recorded run, from page_data.urls' "{id}" templates
// (a run recorded now keeps its frames: its pcap-ng is there; an old permalink's
// page_data.run_urls says whether it has one)
export function runUrls(urls, id, given = null) {
  if (given) return { id, ...given };
  if (!id || !urls) return null;
  const fill = (tpl) => fillUrl(tpl, { id });
  return { id, page: fill(urls.run_page), json: fill(urls.run_json), text: fill(urls.run_text),
    ...(urls.run_pcapng ? { pcapng: fill(urls.run_pcapng) } : {}) };
}

export function progressText(p) {
  if (!p || !p.run) return PROGRESS.none;
  return t(PROGRESS.run, { run: p.run, total: p.total }) +
    (p.predicted ? t(PROGRESS.predicted, { right: p.predicted_right, n: p.predicted }) : "") +
    (p.finished ? PROGRESS.finished : "");
}
