// driver.mjs runs one MCP client library from npm against billy-mcp for the
// Go client matrix (host/e2e/matrix_test.go), which owns every assertion: this
// script only connects, lists and calls, and reports what the library gave
// back, or the library's own error message when it threw.
//
//   node driver.mjs '<spec JSON>'
//
// spec: {"client": "ts-sdk" | "ts-sdk-v2" | "ai-sdk", "nodeModules": DIR,
//        "url": "http://…/mcp"}                       (Streamable HTTP)
//     or {"command": PATH, "args": [...], "env": {...}} (stdio)
//
// Protocol on stdin/stdout, one JSON object a line:
//   first line out:  {"ready": true, "capabilities": {...}|null, "protocolVersion": "…"}
//                or  {"ready": false, "error": "client message"}
//   in:  {"id": 1, "op": "list"}                          out: {"id": 1, "tools": [...]}
//   in:  {"id": 2, "op": "call", "name": N, "arguments": A} out: {"id": 2, "result": {...}}
//   any failure:                                           out: {"id": n, "error": "client message"}
// stdin closing ends the session. The stdio server's stderr goes to ours.
import { createInterface } from "node:readline";

const spec = JSON.parse(process.argv[2] ?? "{}");
const adapters = {
  "ts-sdk": () => import("./ts-sdk.mjs"),
  "ts-sdk-v2": () => import("./ts-sdk-v2.mjs"),
  "ai-sdk": () => import("./ai-sdk.mjs"),
};

// Writes are awaited so that a result is never lost when stdin closes.
function send(msg) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(msg) + "\n", resolve));
}

// The library's own words: message, plus the cause chain libraries use to
// carry the underlying reason (the AI SDK wraps, the TS SDK prefixes codes).
function describe(err) {
  if (!(err instanceof Error)) return String(err);
  let msg = `${err.name}: ${err.message}`;
  for (let c = err.cause, depth = 0; c && depth < 3; c = c.cause, depth++) {
    msg += ` (cause: ${c instanceof Error ? c.message : JSON.stringify(c)})`;
  }
  return msg;
}

async function main() {
  const load = adapters[spec.client];
  if (!load) {
    await send({ ready: false, error: `driver: unknown client ${JSON.stringify(spec.client)}` });
    process.exit(2);
  }
  let session;
  try {
    session = await (await load()).connect(spec);
  } catch (err) {
    await send({ ready: false, error: describe(err) });
    process.exit(1);
  }
  await send({ ready: true, capabilities: session.capabilities ?? null, protocolVersion: session.protocolVersion ?? "" });

  // Requests run one at a time, in order: the matrix drives one call at a
  // time, and a library's behaviour under concurrency is not what it tests.
  let chain = Promise.resolve();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (!line.trim()) return;
    const req = JSON.parse(line);
    chain = chain.then(async () => {
      try {
        if (req.op === "list") {
          await send({ id: req.id, tools: await session.listTools() });
        } else if (req.op === "call") {
          await send({ id: req.id, result: await session.callTool(req.name, req.arguments ?? {}) });
        } else {
          await send({ id: req.id, error: `driver: unknown op ${JSON.stringify(req.op)}` });
        }
      } catch (err) {
        await send({ id: req.id, error: describe(err) });
      }
    });
  });
  lines.on("close", async () => {
    await chain;
    try {
      await session.close();
    } catch {
      // Closing is best effort: the matrix has its answers by now.
    }
    process.exit(0);
  });
}

main().catch(async (err) => {
  await send({ ready: false, error: describe(err) });
  process.exit(1);
});
