/**
 * The WhatsApp conversations the Twilio stand-in has carried, one per parent's number, as the
 * simulator page shows them. Listeners hear of every change so the page updates live.
 */
export type ChatDirection = "to-parent" | "from-parent" | "notice";

export interface ChatMessage {
  sid: string;
  direction: ChatDirection;
  /** template: the invite; reply: the bot's TwiML answer; text: what the parent typed. */
  kind: "template" | "reply" | "text" | "notice";
  body: string;
  at: string;
  /** Twilio's status: `received` for the parent's messages; queued, sent, delivered, read, failed or undelivered for the club's. */
  status?: string;
  /** Twilio's ErrorCode with a failed or undelivered message. */
  error_code?: number;
}

export interface Conversation {
  /** The parent's number in E.164. */
  phone: string;
  /** The parent's first name, from the invite's first template variable. */
  name: string | null;
  /** The club's sender address this parent talks to (`whatsapp:+...`). */
  clubAddress: string;
  messages: ChatMessage[];
}

export interface Conversations {
  /** The first message of a conversation brings the club address it is held on. */
  add(phone: string, message: ChatMessage, details?: { name?: string; clubAddress?: string }): void;
  find(phone: string): Conversation | undefined;
  /** A message's new status, from Twilio's delivery: the page redraws its ticks. */
  setStatus(phone: string, sid: string, status: string, errorCode?: number): void;
  /** Most recent activity first. */
  list(): Conversation[];
  onChange(listener: () => void): () => void;
}

export function createConversations(): Conversations {
  const byPhone = new Map<string, Conversation>();
  const listeners = new Set<() => void>();
  const lastAt = (conversation: Conversation) => conversation.messages.at(-1)?.at ?? "";

  return {
    add(phone, message, details = {}) {
      const conversation = byPhone.get(phone) ?? { phone, name: null, clubAddress: "", messages: [] };
      conversation.name = details.name ?? conversation.name;
      conversation.clubAddress = details.clubAddress ?? conversation.clubAddress;
      conversation.messages.push(message);
      byPhone.set(phone, conversation);
      for (const listener of listeners) listener();
    },
    find: (phone) => byPhone.get(phone),
    setStatus(phone, sid, status, errorCode) {
      const message = byPhone.get(phone)?.messages.find((candidate) => candidate.sid === sid);
      if (!message) return;
      message.status = status;
      message.error_code = errorCode;
      for (const listener of listeners) listener();
    },
    list: () => [...byPhone.values()].sort((a, b) => lastAt(b).localeCompare(lastAt(a))),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
