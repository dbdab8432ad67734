// Layouts: the presenter view (?present=1 or the Present button) and the diagram's zoom and
// pan (buttons, ctrl+wheel, drag; on a phone it starts zoomed in and follows the packet).
import { $, icon } from "./dom.js";
import { S } from "./strings.js";

const LEVELS = [1, 1.5, 2, 2.5, 3, 4];

export class Zoom {
  constructor(scroller, svg) {
    this.box = scroller;
    this.svg = svg;
    this.level = matchMedia("(max-width: 700px)").matches ? 2.5 : 1;
    $("zoom-in").replaceChildren(icon("plus"));
    $("zoom-out").replaceChildren(icon("minus"));
    $("zoom-fit").replaceChildren(icon("fit"));
    $("zoom-in").title = S.diagram.zoomIn;
    $("zoom-out").title = S.diagram.zoomOut;
    $("zoom-fit").title = S.diagram.zoomFit;
    $("zoom-in").addEventListener("click", () => this.by(1));
    $("zoom-out").addEventListener("click", () => this.by(-1));
    $("zoom-fit").addEventListener("click", () => this.set(1));
    scroller.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      this.by(e.deltaY < 0 ? 1 : -1);
    }, { passive: false });
    this.wireDrag();
    this.set(this.level);
  }

  by(d) {
    const i = LEVELS.findIndex((l) => l >= this.level);
    this.set(LEVELS[Math.max(0, Math.min(LEVELS.length - 1, (i < 0 ? LEVELS.length - 1 : i) + d))]);
  }

  set(level) {
    const b = this.box;
    const cx = (b.scrollLeft + b.clientWidth / 2) / Math.max(1, b.scrollWidth);
    const cy = (b.scrollTop + b.clientHeight / 2) / Math.max(1, b.scrollHeight);
    this.level = level;
    b.style.setProperty("--zoom", String(level));
    b.classList.toggle("zoomed", level > 1);
    b.scrollLeft = cx * b.scrollWidth - b.clientWidth / 2;
    b.scrollTop = cy * b.scrollHeight - b.clientHeight / 2;
  }

  // keep the current box in sight when zoomed in
  follow(g) {
    if (!g || this.level <= 1 || this.dragging) return;
    const b = this.box.getBoundingClientRect(), r = g.getBoundingClientRect();
    if (r.left >= b.left && r.right <= b.right && r.top >= b.top && r.bottom <= b.bottom) return;
    this.box.scrollLeft += r.left + r.width / 2 - (b.left + b.width / 2);
    this.box.scrollTop += r.top + r.height / 2 - (b.top + b.height / 2);
  }

  wireDrag() {
    let start = null;
    this.box.addEventListener("pointerdown", (e) => {
      if (this.level <= 1 || e.pointerType !== "mouse" || e.button !== 0) return;
      start = { x: e.clientX, y: e.clientY, l: this.box.scrollLeft, t: this.box.scrollTop, moved: false };
    });
    window.addEventListener("pointermove", (e) => {
      if (!start) return;
      const dx = e.clientX - start.x, dy = e.clientY - start.y;
      if (!start.moved && Math.hypot(dx, dy) < 5) return;
      start.moved = this.dragging = true;
      this.box.scrollLeft = start.l - dx;
      this.box.scrollTop = start.t - dy;
    });
    window.addEventListener("pointerup", () => {
      if (start && start.moved) {
        // a drag is not a click on the box under the pointer
        this.box.addEventListener("click", (e) => { e.stopPropagation(); e.preventDefault(); }, { capture: true, once: true });
      }
      start = null;
      setTimeout(() => { this.dragging = false; }, 0);
    });
  }
}

// The presenter layout: diagram and inspector side by side, large type, full screen if allowed.
export function wirePresenter(btn, { onChange = () => {} } = {}) {
  const apply = (on, push) => {
    document.body.classList.toggle("present", on);
    btn.setAttribute("aria-pressed", String(on));
    btn.replaceChildren(icon("present"), ` ${on ? S.layout.leave : S.layout.present}`);
    if (push) {
      const url = new URL(location.href);
      if (on) url.searchParams.set("present", "1"); else url.searchParams.delete("present");
      history.replaceState(null, "", url);
    }
    for (const a of document.querySelectorAll("a.step-tab, .step-nav a[href*='step=']")) {
      const u = new URL(a.href, location.href);
      if (on) u.searchParams.set("present", "1"); else u.searchParams.delete("present");
      a.href = u.pathname + u.search;
    }
    requestAnimationFrame(() => onChange(on));
  };
  btn.addEventListener("click", () => {
    const on = !document.body.classList.contains("present");
    apply(on, true);
    if (on && document.fullscreenEnabled && !document.fullscreenElement) {
      document.documentElement.requestFullscreen().catch(() => {});
    } else if (!on && document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && document.body.classList.contains("present") && !e.target.closest("input, textarea, select")) {
      apply(false, true);
    }
  });
  apply(document.body.classList.contains("present"), false);
}

// The bench's lab sticks to the top of the screen (app.css): the log and the inspector stick
// right under it, so they need its height, which changes with the window and the zoom.
export function wireBench(bench, lab) {
  if (!bench || !lab || typeof ResizeObserver === "undefined") return;
  const set = () => bench.style.setProperty("--lab-h", `${Math.ceil(lab.getBoundingClientRect().height)}px`);
  new ResizeObserver(set).observe(lab);
  set();
}
