/**
 * The page a billing request flow's `authorisation_url` opens on the GoCardless stand-in, standing
 * in for GoCardless's hosted page: the club, the player, the fee now and the monthly Direct Debit,
 * and two buttons. Paying completes the flow (the stand-in's `pay`, which posts the signed events)
 * and sends the parent to the flow's `redirect_uri`, as GoCardless does; cancelling says nothing
 * was paid. Plain HTML forms, no script; its one stylesheet allowed by hash.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BillingRequest, BillingRequestFlow } from "gocardless-nodejs";

/** What the page says beyond the billing request: npm start reads it from the registration. */
export interface PayPageFacts {
  clubName?: string;
  player?: string;
  /** Each monthly payment, in pence, and how many. */
  monthlyPence?: number;
  months?: number;
}

export type PayPageFactsReader = (billingRequest: BillingRequest) => Promise<PayPageFacts>;

export interface PayPageContext {
  /** The stand-in's own origin: a form posted from any other is refused. */
  origin: string;
  flows: Map<string, BillingRequestFlow>;
  billingRequests: Map<string, BillingRequest>;
  now: () => Date;
  pay(flowId: string): Promise<unknown>;
  facts?: PayPageFactsReader;
}

const style = `
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #1c1b1f; background: #f4f6f8; }
body { margin: 0; }
main { max-width: 30rem; margin: 0 auto; padding: 1rem; }
.notice { background: #fff4d6; border: 1px solid #8a6d00; border-radius: 6px; padding: 0.5rem 0.75rem; font-size: 0.9rem; }
.card { background: #fff; border: 1px solid #c4c9cf; border-radius: 8px; padding: 1rem; margin: 1rem 0; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
dl { margin: 0; }
dt { font-weight: 600; margin-top: 0.75rem; }
dd { margin: 0.25rem 0 0; }
form { margin: 0.75rem 0 0; }
button { width: 100%; min-height: 44px; font: inherit; font-size: 1.05rem; border-radius: 6px; padding: 0.6rem 1rem; cursor: pointer; }
button.pay { background: #1f4fc1; color: #fff; border: 2px solid #1f4fc1; font-weight: 600; }
button.cancel { background: #fff; color: #1f4fc1; border: 2px solid #1f4fc1; }
button:focus-visible { outline: 3px solid #000; outline-offset: 2px; }
`;
const styleHash = createHash("sha256").update(style).digest("base64");
const headers = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  // No form-action: Chromium holds a form's redirect to it, and paying redirects to signon's own origin.
  "Content-Security-Policy": `default-src 'none'; style-src 'sha256-${styleHash}'; frame-ancestors 'none'`,
  "X-Content-Type-Options": "nosniff",
  // Not no-referrer: under it Chromium posts the page's own forms with `Origin: null`, which the origin check refuses.
  "Referrer-Policy": "same-origin",
};

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] ?? character,
  );

/** £40, £26.50: whole pounds without pence, as the invite writes them. */
export const pounds = (pence: number) => `£${pence % 100 === 0 ? pence / 100 : (pence / 100).toFixed(2)}`;

function page(response: ServerResponse, status: number, title: string, body: string) {
  response.writeHead(status, headers);
  response.end(`<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
<p class="notice">GoCardless stand-in (npm start): no money moves and no bank details are asked for.</p>
${body}
</main>
</body>
</html>
`);
}

const message = (response: ServerResponse, status: number, title: string, text: string) =>
  page(response, status, title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>`);

/** The page's routes: GET /pay/{flow}, POST /pay/{flow}/pay, POST /pay/{flow}/cancel. False for any other path. */
export function handlePayPage(request: IncomingMessage, response: ServerResponse, context: PayPageContext): boolean {
  const match = /^\/pay\/([A-Za-z0-9]+)(?:\/(pay|cancel))?$/.exec(new URL(request.url ?? "/", context.origin).pathname);
  if (!match) return false;
  const [, flowId, action] = match;
  void answer(request, response, context, flowId, action as "pay" | "cancel" | undefined).catch(() => {
    if (!response.headersSent) message(response, 500, "Something went wrong", "The stand-in could not show this page. Try the link again.");
  });
  return true;
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  context: PayPageContext,
  flowId: string,
  action: "pay" | "cancel" | undefined,
) {
  const method = request.method ?? "GET";
  if ((action === undefined && method !== "GET") || (action !== undefined && method !== "POST")) {
    response.setHeader("Allow", action === undefined ? "GET" : "POST");
    return message(response, 405, "Not here", "Open the payment link from the WhatsApp message.");
  }
  // A form another site posts carries its own Origin (and Sec-Fetch-Site): only this page's own buttons pay.
  const { origin, "sec-fetch-site": site } = request.headers;
  if (action !== undefined && ((origin !== undefined && origin !== context.origin) || (site !== undefined && site !== "same-origin"))) {
    return message(response, 403, "Not from this page", "Use the buttons on the payment page itself.");
  }
  const flow = context.flows.get(flowId);
  const billingRequest = flow?.links?.billing_request ? context.billingRequests.get(flow.links.billing_request) : undefined;
  if (!flow || !billingRequest) {
    return message(response, 404, "Link not found", "This payment link is not one the club sent. Check the link in the WhatsApp message.");
  }
  if (billingRequest.status === "fulfilled") {
    if (action === "pay" && flow.redirect_uri) return redirect(response, flow.redirect_uri);
    return message(response, 200, "Already paid", "This has been paid and the Direct Debit set up: there is nothing more to do.");
  }
  if (new Date(flow.expires_at as string) <= context.now()) {
    return message(response, 410, "This link has expired", "Nothing was paid. The club sends a fresh link with its next reminder.");
  }
  if (action === "cancel") {
    return message(
      response,
      200,
      "Nothing was paid",
      "You cancelled: no payment was taken and no Direct Debit was set up. The link in WhatsApp still works if you change your mind.",
    );
  }
  if (action === "pay") {
    await context.pay(flowId);
    if (flow.redirect_uri) return redirect(response, flow.redirect_uri);
    return message(response, 200, "Paid", "The fee is paid and the Direct Debit is set up.");
  }
  return payForm(response, flowId, billingRequest, await (context.facts?.(billingRequest) ?? Promise.resolve({})));
}

function redirect(response: ServerResponse, location: string) {
  response.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  response.end();
}

function payForm(response: ServerResponse, flowId: string, billingRequest: BillingRequest, facts: PayPageFacts) {
  const fee = billingRequest.payment_request?.amount;
  const club = facts.clubName ?? "the club";
  const monthly =
    facts.monthlyPence === undefined
      ? "A monthly Direct Debit, set up from the same bank details."
      : `${pounds(facts.monthlyPence)} a month by Direct Debit${facts.months ? `, ${facts.months} payments` : ""}, set up from the same bank details.`;
  const rows = [
    ["Club", club],
    ...(facts.player ? [["Player", facts.player]] : []),
    ...(billingRequest.payment_request?.description ? [["For", billingRequest.payment_request.description]] : []),
    ...(fee === undefined ? [] : [["Signing-on fee, paid now", pounds(fee)]]),
    ["Then", monthly],
  ];
  const payLabel = fee === undefined ? "Set up the Direct Debit" : `Pay ${pounds(fee)} and set up the Direct Debit`;
  page(
    response,
    200,
    `Pay ${club}`,
    `<h1>Pay ${escapeHtml(club)}</h1>
<div class="card">
<dl>
${rows.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join("\n")}
</dl>
</div>
<form method="post" action="/pay/${flowId}/pay"><button class="pay" type="submit">${escapeHtml(payLabel)}</button></form>
<form method="post" action="/pay/${flowId}/cancel"><button class="cancel" type="submit">Cancel</button></form>`,
  );
}
