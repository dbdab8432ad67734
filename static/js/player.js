// Playback over a timeline of events: play, pause, step, seek, speed.

export class Player {
  constructor({ onRender, onState }) {
    this.onRender = onRender;        // (index, timeline, forwardByOne) => void
    this.onState = onState || (() => {});
    this.events = [];
    this.filter = null;              // journey id or null for all
    this.timeline = [];
    this.i = -1;
    this.playing = false;
    this.live = false;               // more events may still arrive
    this.speed = 1;
    this.base = 900;                 // ms per hop at 1x
    this.timer = null;
  }

  setEvents(events) {
    this.events = events.slice();
    this.rebuild(-1);
  }

  append(ev) {
    this.events.push(ev);
    if (this.filter == null || ev.journey === this.filter) {
      this.timeline.push(ev);
      if (this.playing && !this.timer) this.schedule(0);
    }
    this.onState();
  }

  setFilter(journey) {
    this.filter = journey;
    this.rebuild(-1);
  }

  rebuild(i) {
    this.timeline = this.filter == null ? this.events.slice()
      : this.events.filter((e) => e.journey === this.filter);
    this.seek(Math.min(i, this.timeline.length - 1));
  }

  duration(ev) {
    const ms = this.base / this.speed;
    return ev && ev.probe ? ms * 0.4 : ms;
  }

  seek(i, forwardByOne = false) {
    this.i = Math.max(-1, Math.min(i, this.timeline.length - 1));
    this.onRender(this.i, this.timeline, forwardByOne);
    this.onState();
  }

  step(d) {
    this.pause();
    this.seek(this.i + d, d === 1);
  }

  first() { this.pause(); this.seek(this.timeline.length ? 0 : -1); }
  last() { this.pause(); this.seek(this.timeline.length - 1); }

  play() {
    if (this.playing) return;
    if (!this.live && this.i >= this.timeline.length - 1) this.seek(-1);
    this.playing = true;
    this.onState();
    this.schedule(this.i < 0 ? 0 : this.duration(this.timeline[this.i]));
  }

  pause() {
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.onState();
  }

  toggle() { this.playing ? this.pause() : this.play(); }

  setSpeed(s) { this.speed = s > 0 ? s : 1; }

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  tick() {
    this.timer = null;
    if (!this.playing) return;
    if (this.i < this.timeline.length - 1) {
      this.seek(this.i + 1, true);
      this.schedule(this.duration(this.timeline[this.i]));
    } else if (!this.live) {
      this.pause();            // the end: wait for a new run or a replay
    }                          // live: append() restarts the clock
  }

  finishLive() {
    this.live = false;
    if (this.playing && !this.timer) this.schedule(0);
    this.onState();
  }
}
