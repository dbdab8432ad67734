// One state store for the page: set() replaces keys and tells the panes which ones changed.

export class Store {
  constructor(initial = {}) {
    this.state = Object.freeze({ ...initial });
    this.subs = [];
    this.depth = 0;
    this.pending = null;
  }

  get() { return this.state; }

  // patch: {key: value}; a key counts as changed when its value is not the same (===)
  set(patch) {
    const changed = Object.keys(patch).filter((k) => this.state[k] !== patch[k]);
    if (!changed.length) return [];
    this.state = Object.freeze({ ...this.state, ...patch });
    if (this.pending) { for (const k of changed) this.pending.add(k); return changed; }
    this.emit(new Set(changed));
    return changed;
  }

  // several set()s, one notification
  batch(fn) {
    const outer = !this.pending;
    if (outer) this.pending = new Set();
    try { fn(); } finally {
      if (outer) {
        const keys = this.pending;
        this.pending = null;
        if (keys.size) this.emit(keys);
      }
    }
  }

  // on(["i", "timeline"], fn) or on("*", fn): fn(state, changedKeys); returns the unsubscribe
  on(keys, fn) {
    const sub = { keys: keys === "*" ? null : new Set([].concat(keys)), fn };
    this.subs.push(sub);
    return () => { this.subs = this.subs.filter((s) => s !== sub); };
  }

  emit(changed) {
    if (this.depth > 20) throw new Error(`store: update loop on ${[...changed].join(",")}`);
    this.depth += 1;
    try {
      for (const s of this.subs.slice()) {
        if (!s.keys || [...changed].some((k) => s.keys.has(k))) s.fn(this.state, changed);
      }
    } finally { this.depth -= 1; }
  }
}
