/**
 * The messages on the stand-in's Twilio account, sent and received, as Twilio's Messages API
 * shows them: each as a Message resource, and pages of the list with Twilio's filters.
 */
export interface AccountMessage {
  sid: string;
  from: string;
  to: string;
  body: string;
  direction: "outbound-api" | "outbound-reply" | "inbound";
  /** Whole seconds, as Twilio keeps it. */
  created: Date;
}

export interface AccountMessages {
  /** Keeps a message, stamped with Twilio's clock to the second. */
  record(message: Omit<AccountMessage, "created">): AccountMessage;
  /**
   * The Message resource as Twilio returns it (tests hold it to the contract's schemas): as
   * just created, or later, once the stand-in has delivered it (at once) or taken it in.
   */
  resource(message: AccountMessage, stage: "created" | "later"): object;
  /** A page of the messages `held` says the account still holds, newest first, as Twilio's list answers it. */
  page(query: URLSearchParams, held: (message: AccountMessage) => boolean): object;
}

/** Twilio's date format: RFC 2822 with a numeric zone. */
const twilioDate = (date: Date) => date.toUTCString().replace("GMT", "+0000");

const dayMs = 86_400_000;

/** The span a DateSent value names: a YYYY-MM-DD is a whole GMT day, a date-time its second. */
function dateSpan(value: string): { start: number; end: number } {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const start = Date.parse(day ? `${value}T00:00:00Z` : value);
  return { start, end: start + (day ? dayMs : 1000) };
}

/** Twilio's list filters: To and From exactly; DateSent on, DateSent< on or before, DateSent> on or after. */
function matchesFilters(message: AccountMessage, query: URLSearchParams): boolean {
  const sent = message.created.getTime();
  const on = query.get("DateSent");
  const before = query.get("DateSent<");
  const after = query.get("DateSent>");
  return (
    (!query.has("To") || message.to === query.get("To")) &&
    (!query.has("From") || message.from === query.get("From")) &&
    (on === null || (sent >= dateSpan(on).start && sent < dateSpan(on).end)) &&
    (before === null || sent < dateSpan(before).end) &&
    (after === null || sent >= dateSpan(after).start)
  );
}

/** The messages of the account `accountSid`, with Twilio's clock `now`. */
export function createAccountMessages(accountSid: string, now: () => Date): AccountMessages {
  const messages: AccountMessage[] = [];

  function resource(message: AccountMessage, stage: "created" | "later") {
    const { sid } = message;
    const created = twilioDate(message.created);
    const laterStatus = message.direction === "inbound" ? "received" : "delivered";
    return {
      sid,
      account_sid: accountSid,
      from: message.from,
      to: message.to,
      body: message.body,
      status: stage === "created" ? "queued" : laterStatus,
      direction: message.direction,
      api_version: "2010-04-01",
      num_segments: "1",
      num_media: "0",
      messaging_service_sid: null,
      price: null,
      price_unit: "USD",
      error_code: null,
      error_message: null,
      date_created: created,
      date_updated: created,
      date_sent: stage === "created" ? null : created,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    };
  }

  return {
    record(message) {
      const created = new Date(Math.floor(now().getTime() / 1000) * 1000);
      messages.push({ ...message, created });
      return { ...message, created };
    },
    resource,
    page(query, held) {
      const pageSize = Number(query.get("PageSize") ?? 50);
      const page = Number(query.get("Page") ?? 0);
      // Sorted newest-added first beforehand, so messages of the same second stay newest first.
      const matching = messages
        .filter(held)
        .reverse()
        .sort((a, b) => b.created.getTime() - a.created.getTime())
        .filter((message) => matchesFilters(message, query));
      const start = page * pageSize;
      const listed = matching.slice(start, start + pageSize);
      // The stand-in pages by Page and PageSize alone; Twilio adds a PageToken to its links.
      const pageUri = (index: number) => {
        const linked = new URLSearchParams(query);
        linked.delete("PageToken");
        linked.set("PageSize", String(pageSize));
        linked.set("Page", String(index));
        return `/2010-04-01/Accounts/${accountSid}/Messages.json?${linked}`;
      };
      return {
        messages: listed.map((message) => resource(message, "later")),
        start,
        end: Math.max(start, start + listed.length - 1),
        page,
        page_size: pageSize,
        uri: pageUri(page),
        first_page_uri: pageUri(0),
        next_page_uri: matching.length > start + pageSize ? pageUri(page + 1) : null,
        previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      };
    },
  };
}
