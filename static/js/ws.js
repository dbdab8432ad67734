// A websocket route of the app (the lab, a workshop seat, the board): one connection,
// reopened when needed; JSON in, JSON out. The path comes from page_data.
import { S } from "./strings.js";

export class JsonSocket {
  constructor(path, onMessage, onClose) {
    this.path = path;
    this.onMessage = onMessage;
    this.onClose = onClose || (() => {});
    this.ws = null;
    this.retryMs = 0;
  }

  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}${this.path}`;
  }

  // Pages the server pushes to (a workshop seat, the board) stay connected: open now and a
  // moment after every close; on connect the server sends its state again.
  keepOpen(retryMs = 1000) {
    this.retryMs = retryMs;
    this.open().catch(() => {});
    return this;
  }

  open() {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
      return this.ws.readyState === WebSocket.OPEN ? Promise.resolve()
        : new Promise((ok, bad) => {
          this.ws.addEventListener("open", () => ok(), { once: true });
          this.ws.addEventListener("error", () => bad(new Error(S.run.wsFailed)), { once: true });
        });
    }
    return new Promise((ok, bad) => {
      const ws = new WebSocket(this.url());
      this.ws = ws;
      ws.addEventListener("open", () => ok(), { once: true });
      ws.addEventListener("error", () => bad(new Error(S.run.wsUnreachable)), { once: true });
      ws.addEventListener("message", (e) => {
        let msg;
        try { msg = JSON.parse(e.data); } catch { return; }
        this.onMessage(msg);
      });
      ws.addEventListener("close", () => {
        if (this.ws !== ws) return;
        this.ws = null;
        this.onClose();
        if (this.retryMs) setTimeout(() => this.open().catch(() => {}), this.retryMs);
      });
    });
  }

  // Forget the connection (no onClose): the next send opens a new one.
  drop() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
  }

  async send(obj) {
    await this.open();
    this.ws.send(JSON.stringify(obj));
  }
}
