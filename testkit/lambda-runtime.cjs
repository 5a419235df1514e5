// A minimal stand-in for the Lambda Node.js runtime: loads the uploaded code's `__index.js`
// in a plain Node process and invokes `handler` with events sent over IPC.
const path = require("node:path");

const { handler } = require(path.resolve(process.argv[2], "__index.js"));
const timeoutMs = Number(process.env.LAMBDA_TIMEOUT_MS || 20000);

process.on("message", async ({ id, event, loadedFiles }) => {
  // Which files the code has required so far: what its package must carry, and all it should.
  if (loadedFiles) return process.send({ id, loaded: Object.keys(require.cache) });
  const deadline = Date.now() + timeoutMs;
  const context = { awsRequestId: `inv-${id}`, getRemainingTimeInMillis: () => deadline - Date.now() };
  try {
    process.send({ id, result: await handler(event, context) });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.name : String(error) });
  }
});
process.send({ ready: true });
