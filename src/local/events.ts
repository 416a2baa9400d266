// The Control Plane's event streams: every event gets an id (what Last-Event-ID resumes after), and
// the last ones are kept so that a client that reconnects gets what it missed, once.

export interface StoredEvent {
  id: string;
  /** The SSE event name (the payload's `type`). */
  event: string;
  data: Record<string, unknown>;
}

type Listener = (event: StoredEvent) => void;

export class EventLog {
  private readonly events: StoredEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private sequence = 0;

  constructor(private readonly capacity = 1000) {}

  append(event: string, data: Record<string, unknown>): StoredEvent {
    const id = `${Date.now()}-${++this.sequence}`;
    const stored = { id, event, data: { id, ...data } };
    this.events.push(stored);
    if (this.events.length > this.capacity) this.events.shift();
    for (const listener of this.listeners) listener(stored);
    return stored;
  }

  /** Events after `lastEventId` (all kept ones when it is unknown or absent). */
  since(lastEventId: string | undefined): StoredEvent[] {
    if (!lastEventId) return [];
    const index = this.events.findIndex((e) => e.id === lastEventId);
    return index === -1 ? [...this.events] : this.events.slice(index + 1);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.events.length = 0;
  }
}
