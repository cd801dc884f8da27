/**
 * The page's one WebSocket connection to `/v1/ws` (protocol v1, docs/websocket.md).
 *
 * Widgets call `live.subscribe(topic, listener)`; topics are reference-counted, so ten tiles
 * on the same topic share one subscription. The connection keeps every topic's copy
 * (epoch, seq, data), applies deltas in order, re-asks for a snapshot on a gap, answers the
 * server's pings, and after a drop reconnects with back-off and resumes each topic from its
 * epoch and sequence number (the server answers `resumed` if nothing was missed).
 *
 * `status` is `live` while connected and current, `stale` from a drop until the topics are
 * current again, `unauthorized` when the server refused the credentials (no retry).
 */

import { displayToken } from "./api";

export type LiveStatus = "connecting" | "live" | "stale" | "unauthorized";

export interface TopicCopy {
  topic: string;
  epoch: string;
  seq: number;
  at: number;
  data: Record<string, any>;
  /** Keys changed by the last message; null after a snapshot (everything may have). */
  changed: string[] | null;
}

export type TopicListener = (copy: TopicCopy) => void;

interface ServerMessage {
  v: number;
  type: string;
  [key: string]: any;
}

const NO_RETRY = new Set([4000, 4001, 4003]);
const MAX_BACKOFF_MS = 10_000;
const UNSUBSCRIBE_DELAY_MS = 2_000;

export class LiveConnection extends EventTarget {
  status: LiveStatus = "connecting";
  /** `Date.now()` when the last message with data arrived. */
  lastUpdate = 0;
  /** Server time minus client time, from the `at` of the messages (ms). */
  clockOffset = 0;
  reconnects = 0;

  private socket: WebSocket | null = null;
  private readonly copies = new Map<string, TopicCopy>();
  /** Topics the server refused (`forbidden`, `bad_topic`), with the error code. */
  readonly refused = new Map<string, string>();
  private readonly listeners = new Map<string, Set<TopicListener>>();
  private readonly pendingSubscribe = new Set<string>();
  private readonly unsubscribeTimers = new Map<string, number>();
  private waitingFor = new Set<string>();
  private flushQueued = false;
  private attempt = 0;
  private retryTimer: number | null = null;
  private watchdog: number | null = null;
  /** Silence after which the page counts itself stale (the server's `stale_after_s`). */
  private idleLimitMs = 50_000;
  private welcomed = false;
  private closedForGood = false;

  constructor(private readonly url: string) {
    super();
  }

  start(): void {
    this.closedForGood = false;
    this.open();
  }

  /** Server "now" as the client best knows it (for ticking times in state). */
  serverNow(): number {
    return Date.now() + this.clockOffset;
  }

  subscribe(topic: string, listener: TopicListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    const timer = this.unsubscribeTimers.get(topic);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.unsubscribeTimers.delete(topic);
    }
    const copy = this.copies.get(topic);
    if (copy) queueMicrotask(() => set!.has(listener) && listener({ ...copy, changed: null }));
    else this.requestSubscribe(topic);
    return () => this.release(topic, listener);
  }

  /** The current copy of a topic, if this page has one. */
  peek(topic: string): TopicCopy | undefined {
    return this.copies.get(topic);
  }

  /** Close the socket as a network failure would (tests and the "reconnect" button). */
  drop(): void {
    this.socket?.close(4100, "dropped by the client");
  }

  stop(): void {
    this.closedForGood = true;
    this.clearTimers();
    this.socket?.close(1000, "page closed");
    this.socket = null;
  }

  // -- subscriptions --------------------------------------------------------------------

  private release(topic: string, listener: TopicListener): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    set.delete(listener);
    if (set.size > 0 || this.unsubscribeTimers.has(topic)) return;
    // Widgets re-render and re-subscribe often (edit mode); keep the topic a moment.
    const timer = window.setTimeout(() => {
      this.unsubscribeTimers.delete(topic);
      if ((this.listeners.get(topic)?.size ?? 0) > 0) return;
      this.listeners.delete(topic);
      this.copies.delete(topic);
      this.pendingSubscribe.delete(topic);
      this.refused.delete(topic);
      this.send({ v: 1, type: "unsubscribe", topics: [topic] });
    }, UNSUBSCRIBE_DELAY_MS);
    this.unsubscribeTimers.set(topic, timer);
  }

  private requestSubscribe(topic: string): void {
    this.pendingSubscribe.add(topic);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flushSubscriptions();
    });
  }

  private flushSubscriptions(): void {
    if (!this.welcomed || this.pendingSubscribe.size === 0) return;
    const topics = [...this.pendingSubscribe];
    this.pendingSubscribe.clear();
    const resume: Record<string, { epoch: string; seq: number }> = {};
    for (const topic of topics) {
      const copy = this.copies.get(topic);
      if (copy) resume[topic] = { epoch: copy.epoch, seq: copy.seq };
    }
    for (const topic of topics) this.waitingFor.add(topic);
    this.send({ v: 1, type: "subscribe", topics, resume });
  }

  // -- socket ---------------------------------------------------------------------------

  private open(): void {
    this.clearTimers();
    this.welcomed = false;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      const token = displayToken();
      if (token) socket.send(JSON.stringify({ v: 1, type: "auth", token }));
      this.armWatchdog();
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      this.armWatchdog();
      // A frame holds one message or an array of them, to apply in order.
      const frame = JSON.parse(event.data as string) as ServerMessage | ServerMessage[];
      for (const message of Array.isArray(frame) ? frame : [frame]) this.handle(message);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.onClosed(event.code);
    };
  }

  private onClosed(code: number): void {
    this.clearTimers();
    this.welcomed = false;
    if (this.closedForGood) return;
    if (NO_RETRY.has(code)) {
      this.setStatus("unauthorized");
      return;
    }
    this.setStatus(this.lastUpdate || this.status === "live" ? "stale" : "connecting");
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt += 1;
    this.retryTimer = window.setTimeout(() => {
      this.reconnects += 1;
      this.open();
    }, delay);
  }

  private armWatchdog(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = window.setTimeout(() => this.abandonSilentSocket(), this.idleLimitMs);
  }

  /** The server has said nothing (not even a ping) for `stale_after_s`: stale now. A frozen
   * server or a dead network never completes the close handshake (the browser waits about a
   * minute for it), so the socket is let go at once instead of waiting for its `close`. */
  private abandonSilentSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.close(4101, "silent");
    this.onClosed(4101);
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.retryTimer = this.watchdog = null;
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN && this.welcomed) {
      this.socket.send(JSON.stringify(message));
    }
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case "welcome":
        this.welcomed = true;
        this.attempt = 0;
        this.idleLimitMs = (message.stale_after_s ?? message.ping_interval_s * 2 + 10) * 1000;
        this.armWatchdog();
        for (const topic of this.listeners.keys()) this.pendingSubscribe.add(topic);
        this.waitingFor.clear();
        this.flushSubscriptions();
        if (this.waitingFor.size === 0) this.setStatus("live");
        break;
      case "snapshot":
        this.onSnapshot(message);
        break;
      case "delta":
        this.onDelta(message);
        break;
      case "resumed":
        this.settled(message.topic);
        break;
      case "ping":
        this.socket?.send(JSON.stringify({ v: 1, type: "pong", id: message.id }));
        break;
      case "error":
        if (message.topic) {
          this.settled(message.topic);
          this.refused.set(message.topic, message.code);
          this.dispatchEvent(new CustomEvent("topic-error", { detail: message }));
        }
        console.warn("floorwatch live:", message.code, message.message, message.topic ?? "");
        break;
    }
  }

  private noteTime(at: number): void {
    this.lastUpdate = Date.now();
    if (at > 0) this.clockOffset = at - this.lastUpdate;
  }

  private onSnapshot(m: ServerMessage): void {
    if (!this.listeners.has(m.topic)) return;
    const copy: TopicCopy = {
      topic: m.topic,
      epoch: m.epoch,
      seq: m.seq,
      at: m.at,
      data: m.data,
      changed: null,
    };
    this.copies.set(m.topic, copy);
    if (this.refused.delete(m.topic)) {
      // Refused before, granted now (a display's dashboard gained the widget that shows it).
      this.dispatchEvent(new CustomEvent("topic-granted", { detail: m.topic }));
    }
    this.noteTime(m.at);
    this.settled(m.topic);
    this.emit(copy);
  }

  private onDelta(m: ServerMessage): void {
    const copy = this.copies.get(m.topic);
    if (!copy) return;
    if (m.seq <= copy.seq) return;
    if (m.seq !== copy.seq + 1) {
      // A gap: ask for a fresh snapshot (no resume position).
      this.copies.delete(m.topic);
      this.requestSubscribe(m.topic);
      return;
    }
    const changed = Object.keys(m.set);
    for (const key of changed) copy.data[key] = m.set[key];
    for (const key of m.unset ?? []) {
      delete copy.data[key];
      changed.push(key);
    }
    copy.seq = m.seq;
    copy.at = m.at;
    copy.changed = changed;
    this.noteTime(m.at);
    this.emit(copy);
  }

  private settled(topic: string): void {
    this.waitingFor.delete(topic);
    if (this.welcomed && this.waitingFor.size === 0 && this.status !== "live") {
      this.setStatus("live");
    }
  }

  private emit(copy: TopicCopy): void {
    for (const listener of this.listeners.get(copy.topic) ?? []) {
      try {
        listener(copy);
      } catch (error) {
        console.error("floorwatch widget failed on", copy.topic, error);
      }
    }
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.dispatchEvent(new Event("status"));
  }
}

function wsUrl(): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/v1/ws`;
}

/** The page's connection (started by the app shell once it knows who is logged in). */
export const live = new LiveConnection(wsUrl());
