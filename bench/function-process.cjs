// One Lambda container for the bench: loads a code package's `__index.js` in a fresh Node
// process, answers the events in a file one after another, writes a report and exits.
// Exiting at once is what a cold start measures: the Lambda runtime freezes the container
// after answering, so keep-alive sockets must not hold the process open.
const fs = require("node:fs");
const path = require("node:path");

const [codeDir, eventsFile, reportFile] = process.argv.slice(2);
const events = JSON.parse(fs.readFileSync(eventsFile, "utf8"));
const context = { getRemainingTimeInMillis: () => 10_000 };

(async () => {
  const { handler } = require(path.resolve(codeDir, "__index.js"));
  // The monotonic clock is the machine's, so the parent can subtract the moment it spawned this process.
  const readyAtNs = String(process.hrtime.bigint());
  const latenciesMs = [];
  const statuses = [];
  for (const event of events) {
    const started = process.hrtime.bigint();
    const result = await handler(event, context);
    latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    statuses.push(result.statusCode);
  }
  const { user, system } = process.cpuUsage();
  const report = {
    readyAtNs,
    cpuMs: (user + system) / 1000,
    latenciesMs,
    statuses,
    maxRssKb: process.resourceUsage().maxRSS,
    loaded: Object.keys(require.cache),
  };
  fs.writeFileSync(reportFile, JSON.stringify(report));
  process.exit(0);
})().catch((error) => {
  // The bench reports the exit code and stderr.
  console.error(error);
  process.exit(1);
});
