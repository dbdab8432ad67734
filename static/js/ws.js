// The lab websocket: one connection, reopened when needed; JSON in, JSON out.
import { S } from "./strings.js";

export class LabSocket {
  constructor(path, onMessage, onClose) {
    this.path = path;
    this.onMessage = onMessage;
    this.onClose = onClose || (() => {});
    this.ws = null;
  }

  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}${this.path}`;
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
      ws.addEventListener("close", () => { if (this.ws === ws) { this.ws = null; this.onClose(); } });
    });
  }

  async send(obj) {
    await this.open();
    this.ws.send(JSON.stringify(obj));
  }
}
