// Playback over the store's timeline: play, pause, step, seek, speed.
// It moves store.i and says how (via: "play" | "step" | "seek" | "start"), so the live
// region can announce a hop when stepping and only a summary while playing.

export class Player {
  constructor(store, { base = 900, timers = globalThis } = {}) {
    this.store = store;
    this.base = base;                // ms per hop at 1x
    this.timers = timers;
    this.timer = null;
  }

  get i() { return this.store.get().i; }
  get n() { return this.store.get().timeline.length; }
  get playing() { return this.store.get().playing; }

  duration(ev) {
    const ms = this.base / (this.store.get().speed || 1);
    return ev && ev.probe ? ms * 0.4 : ms;
  }

  seek(i, via = "seek") {
    const n = this.n;
    const j = n ? Math.max(0, Math.min(i, n - 1)) : -1;
    this.store.set({ i: j, via });
  }

  step(d) {
    this.pause();
    this.seek(this.i + d, "step");
  }

  first() { this.pause(); this.seek(0, "step"); }
  last() { this.pause(); this.seek(this.n - 1, "step"); }

  // via "auto": started by the page after a run (the live region says the run's summary instead)
  play(via = "start") {
    if (this.playing || !this.n) return;
    if (this.i >= this.n - 1) this.seek(0, via);
    this.store.set({ playing: true, via });
    this.schedule(this.i < 0 ? 0 : this.duration(this.store.get().timeline[this.i]));
  }

  pause() {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.store.set({ playing: false });
  }

  toggle() { this.playing ? this.pause() : this.play(); }

  setSpeed(s) { this.store.set({ speed: s > 0 ? s : 1 }); }

  schedule(ms) {
    this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.tick(), ms);
  }

  tick() {
    this.timer = null;
    if (!this.playing) return;
    if (this.i < this.n - 1) {
      this.seek(this.i + 1, "play");
      if (this.i >= this.n - 1) { this.store.set({ playing: false, via: "end" }); return; }
      this.schedule(this.duration(this.store.get().timeline[this.i]));
    } else {
      this.store.set({ playing: false, via: "end" });
    }
  }
}
