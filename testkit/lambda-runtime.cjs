// A minimal stand-in for the Lambda Node.js runtime: loads the uploaded code's `__index.js`
// in a plain Node process and invokes `handler` with events sent over IPC. Each reply carries
// what that invocation wrote to stdout (its log lines), since stdout and IPC arrive in no set order.
const path = require("node:path");
const { AsyncLocalStorage } = require("node:async_hooks");

/** The running invocation: its output so far, and the time its clock stands at, if the test gave one. */
const invocation = new AsyncLocalStorage();

// A test's clock, as a Date that stands still at the time the test gave for the invocation. Set
// before the package loads, so the package's own `new Date()` and `Date.now()` read it.
const RealDate = Date;
const now = () => invocation.getStore()?.now ?? RealDate.now();
globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) => Reflect.construct(target, args.length > 0 ? args : [now()], newTarget),
  apply: () => new RealDate(now()).toString(),
  get: (target, key, receiver) => (key === "now" ? now : Reflect.get(target, key, receiver)),
});

const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  invocation.getStore()?.output.push(String(chunk));
  return writeStdout(chunk, ...rest);
};

const { handler } = require(path.resolve(process.argv[2], "__index.js"));
const timeoutMs = Number(process.env.LAMBDA_TIMEOUT_MS || 20000);

process.on("message", async ({ id, event, loadedFiles, remainingMs, now }) => {
  // Which files the code has required so far: what its package must carry, and all it should.
  if (loadedFiles) return process.send({ id, loaded: Object.keys(require.cache) });
  // The deadline runs on the real clock, whatever the test's clock says.
  const deadline = RealDate.now() + (remainingMs ?? timeoutMs);
  const context = { awsRequestId: `inv-${id}`, getRemainingTimeInMillis: () => deadline - RealDate.now() };
  const running = { output: [], now: now === undefined ? undefined : RealDate.parse(now) };
  const reply = await invocation.run(running, async () => {
    try {
      return { result: await handler(event, context) };
    } catch (error) {
      return { error: error instanceof Error ? error.name : String(error) };
    }
  });
  const logs = running.output.join("").split("\n").filter(Boolean);
  process.send({ id, ...reply, logs });
});
// The test process is gone: so is its function.
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
