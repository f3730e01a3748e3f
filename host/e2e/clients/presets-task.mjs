// presets-task.mjs runs the official TypeScript SDK's 2026-07-28 client
// (@modelcontextprotocol/client) with the Tasks extension's client
// (@modelcontextprotocol/ext-tasks) against billy-mcp for
// host/e2e/presets_task_test.go, which owns every assertion. It calls one
// tool as a task, reports every task event (status and status message)
// and how the task ended; when the test writes "cancel" on stdin it
// cancels the task.
//
//   node presets-task.mjs '<spec JSON>'
//
// spec: {"nodeModules": DIR, "url": "http://…/mcp", "tool": N, "arguments": A}
// PRESETS_TASK_DEBUG=1 writes every raw request and answer to stderr.
// out: one JSON line per event: {"step":"task","taskId":…} once the call is
// a task, {"step":"event","status":…,"statusMessage":…} per task update,
// {"step":"outcome","outcome":{…}} at the end, or {"step":"fatal",…}.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { load } from "./load.mjs";

const spec = JSON.parse(process.argv[2] ?? "{}");
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const info = { name: "billy-mcp-e2e-presets-task", version: "1.0.0" };
const caps = { extensions: { "io.modelcontextprotocol/tasks": {} } };
const version = "2026-07-28";

// rawDispatch sends one JSON-RPC request over Streamable HTTP as a
// 2026-07-28 client does (the SDK's codecs do not carry the Tasks
// extension's messages: ext-tasks asks the application for this path).
let nextID = 1;
async function rawDispatch(request, options) {
  // ext-tasks hands over {method, params}: the JSON-RPC envelope is ours.
  request = { jsonrpc: "2.0", id: request.id ?? `raw-${nextID++}`, ...request };
  const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": version, "Mcp-Method": request.method, ...(options?.headers ?? {}) };
  const name = request.params?.name ?? request.params?.taskId;
  if (typeof name === "string") headers["Mcp-Name"] = name;
  const res = await fetch(spec.url, { method: "POST", headers, body: JSON.stringify(request), signal: options?.signal });
  let text = await res.text();
  if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    const i = text.lastIndexOf("data: ");
    text = text.slice(i + 6).trim();
  }
  if (process.env.PRESETS_TASK_DEBUG) process.stderr.write(`>> ${JSON.stringify(request)}\n<< ${res.status} ${text}\n`);
  return JSON.parse(text);
}

async function main() {
  const { Client, StreamableHTTPClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/client");
  // ext-tasks exports its entry points for import only, which load()'s
  // require.resolve cannot see: import the file its "./client" export names.
  const { createTaskSessionFromClient } = await import(
    pathToFileURL(join(spec.nodeModules, "@modelcontextprotocol", "ext-tasks", "dist", "client", "index.js")).href);
  const client = new Client(info, { capabilities: caps, versionNegotiation: { mode: { pin: version } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(spec.url)));
  // ext-tasks 0.2.2 asks the client for getProtocolEra(), which the pinned
  // @modelcontextprotocol/client 2.3.1 does not have yet (without it the
  // session sees no 2026-07-28 Tasks support and never makes a task): the
  // era is "modern" when the connection negotiated 2026-07-28.
  const view = new Proxy(client, {
    get(target, prop) {
      if (prop === "getProtocolEra" && typeof target.getProtocolEra !== "function") {
        return () => (target.getNegotiatedProtocolVersion() === version ? "modern" : "legacy");
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
    set(target, prop, value) {
      target[prop] = value;
      return true;
    },
  });
  const session = createTaskSessionFromClient(view, {
    endpointId: "billy-mcp-e2e",
    rawDispatch,
    v2RequestFraming: { protocolVersion: version, clientInfo: info, clientCapabilities: caps },
  });
  const execution = await session.callTool(spec.tool, spec.arguments ?? {}, { task: { preference: "require" } });
  if (execution.kind !== "task") {
    say({ step: "fatal", fatal: `${spec.tool} did not run as a task` });
    process.exit(1);
  }
  say({ step: "task", taskId: execution.handle.taskId });
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "cancel") {
      execution.cancel().catch((err) => say({ step: "cancel_error", error: String(err) }));
    }
  });
  const { outcome } = await execution.settle({
    onEvent: (event) => {
      if (event.type === "task") say({ step: "event", status: event.task.status, statusMessage: event.task.statusMessage ?? "" });
    },
  });
  say({ step: "outcome", outcome: { status: outcome.status, result: outcome.result, error: outcome.error ? String(outcome.error) : undefined } });
  lines.close();
  await session.close();
  await client.close();
  process.exit(0);
}

main().catch((err) => {
  say({ step: "fatal", fatal: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err) });
  process.exit(1);
});
