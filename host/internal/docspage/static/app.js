// The docs page: the catalog from catalog.json, rendered with DOM calls
// (never innerHTML: descriptions come from plugins).
"use strict";
let catalog = { tools: [] };
const origin = location.origin;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick") e.addEventListener("click", v); else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = document.getElementById("key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function load() {
  const res = await fetch("catalog.json", { headers: headers() });
  if (!res.ok) { document.getElementById("catalog").textContent = "catalog: HTTP " + res.status; return; }
  catalog = await res.json();
  document.getElementById("meta").textContent = catalog.mode + " · " + catalog.version + " · " + catalog.tools.length + " tools";
  document.getElementById("stdio").textContent = JSON.stringify({ mcpServers: { billy: {
    command: "/opt/billy-mcp/bin/billy-mcp", args: ["stdio"],
    env: { BILLY_API_KEY: "…", BILLY_ORGANIZATION_ID: "…" } } } }, null, 2);
  renderList();
}

function matches(t, words) {
  const hay = [t.name.replace(/_/g, " "), t.title, t.category, t.description, t.effect].join(" ").toLowerCase();
  return words.every(w => hay.includes(w) || (w.length > 3 && w.endsWith("s") && hay.includes(w.slice(0, -1))));
}

function renderList() {
  const words = document.getElementById("search").value.toLowerCase().split(/[^\p{L}\p{N}-]+/u).filter(Boolean);
  const nav = document.getElementById("catalog");
  nav.replaceChildren();
  const groups = {};
  for (const t of catalog.tools.filter(t => matches(t, words))) (groups[t.category || "other"] ||= []).push(t);
  for (const cat of Object.keys(groups).sort()) {
    nav.append(el("h3", {}, cat));
    for (const t of groups[cat]) nav.append(el("a", { "data-tool": t.name, onclick: () => show(t) }, t.title || t.name));
  }
  if (!Object.keys(groups).length) nav.append(el("p", {}, "No tool matches."));
}

function exampleArgs(t) {
  return t.examples && t.examples.length ? t.examples[0].arguments : {};
}

function schemaTable(schema) {
  const props = (schema && schema.properties) || {};
  const req = new Set((schema && schema.required) || []);
  if (!Object.keys(props).length) return el("p", {}, "No arguments.");
  const tbl = el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "type"), el("th", {}, "required"), el("th", {}, "description")));
  for (const [name, p] of Object.entries(props)) {
    let type = p.type || (p.enum ? "enum" : "");
    if (Array.isArray(type)) type = type.join(" | ");
    if (p.enum) type += " (" + p.enum.join(", ") + ")";
    tbl.append(el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, type), el("td", {}, req.has(name) ? "yes" : ""), el("td", {}, p.description || "")));
  }
  return tbl;
}

function snippets(t) {
  const args = JSON.stringify(exampleArgs(t));
  const pretty = JSON.stringify(exampleArgs(t), null, 2);
  return {
    curl: `curl -sS -X POST ${origin}/api/v1/tools/${t.name} \\\n  -H 'Content-Type: application/json' -H "X-API-Key: $BILLY_MCP_KEY" \\\n  -d '${args}'`,
    "MCP JSON": JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: t.name, arguments: exampleArgs(t) } }, null, 2),
    TypeScript: `import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const client = new Client({ name: "my-app", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL("${origin}/mcp"),
  { requestInit: { headers: { "X-API-Key": process.env.BILLY_MCP_KEY ?? "" } } }));
const result = await client.callTool({ name: "${t.name}", arguments: ${pretty} });
console.log(result.structuredContent ?? result.content);
await client.close();`,
    Python: `import asyncio, json, os
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

async def main():
    headers = {"X-API-Key": os.environ.get("BILLY_MCP_KEY", "")}
    async with streamablehttp_client("${origin}/mcp", headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("${t.name}", json.loads(${JSON.stringify(args)}))
            print(result.structuredContent or result.content)

asyncio.run(main())`,
    Go: `package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type withKey struct{}

func (withKey) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-API-Key", os.Getenv("BILLY_MCP_KEY"))
	return http.DefaultTransport.RoundTrip(r)
}

func main() {
	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "my-app", Version: "1.0.0"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: "${origin}/mcp",
		HTTPClient: &http.Client{Transport: withKey{}}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "${t.name}", Arguments: map[string]any${goMap(exampleArgs(t))}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.StructuredContent)
}`,
  };
}

// goMap writes a JSON object as a Go map literal's body.
function goMap(obj) {
  const lit = v => {
    if (v === null) return "nil";
    if (Array.isArray(v)) return "[]any{" + v.map(lit).join(", ") + "}";
    if (typeof v === "object") return "map[string]any" + goMap(v);
    return JSON.stringify(v);
  };
  return "{" + Object.entries(obj || {}).map(([k, v]) => JSON.stringify(k) + ": " + lit(v)).join(", ") + "}";
}

function show(t) {
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.tool === t.name);
  const sec = document.getElementById("tool");
  const badges = el("p", {}, el("span", { class: "badge " + t.effect }, t.effect), t.category ? el("span", { class: "badge" }, t.category) : null,
    ...(t.scopes || []).map(s => el("span", { class: "badge" }, "scope " + s)));
  const ann = Object.entries(t.annotations || {}).map(([k, v]) => k + ": " + v).join(", ");
  const snip = snippets(t);
  const pre = el("pre", { id: "snippet" });
  const tabs = el("div", { class: "tabs" });
  for (const name of Object.keys(snip)) {
    tabs.append(el("button", { "data-tab": name, onclick: ev => {
      for (const b of tabs.children) b.classList.toggle("active", b === ev.target);
      pre.textContent = snip[name];
    } }, name));
  }
  pre.textContent = snip.curl;
  tabs.firstChild.classList.add("active");
  const parts = [el("h2", { id: "tool-name" }, t.title || t.name), el("p", {}, el("code", {}, t.name)), badges,
    el("p", { class: "description" }, t.description), ann ? el("p", {}, "Annotations: " + ann) : null,
    el("h3", {}, "Arguments"), schemaTable(t.inputSchema),
    el("details", {}, el("summary", {}, "Input schema (JSON)"), el("pre", {}, JSON.stringify(t.inputSchema, null, 2)))];
  if (t.outputSchema) parts.push(el("h3", {}, "Result"), schemaTable(t.outputSchema),
    el("details", {}, el("summary", {}, "Output schema (JSON)"), el("pre", {}, JSON.stringify(t.outputSchema, null, 2))));
  if (t.examples && t.examples.length) {
    parts.push(el("h3", {}, "Examples"));
    for (const ex of t.examples) parts.push(el("p", {}, ex.title), el("pre", {}, JSON.stringify(ex.arguments, null, 2)));
  }
  parts.push(el("h3", {}, "Client code"), tabs, pre);
  if (catalog.tryIt) {
    const area = el("textarea", { id: "args", "aria-label": "arguments" });
    area.value = JSON.stringify(exampleArgs(t), null, 2);
    const out = el("pre", { id: "result" });
    parts.push(el("h3", {}, "Try it"), area, el("button", { id: "call", onclick: () => tryIt(t, area, out) }, "Call " + t.name), out);
  } else {
    parts.push(el("p", {}, "Try it: available in sandbox mode, or with an API key."));
  }
  sec.replaceChildren(...parts.filter(Boolean));
}

async function tryIt(t, area, out) {
  let args;
  try { args = JSON.parse(area.value || "{}"); } catch (e) { out.textContent = "arguments: " + e.message; return; }
  out.textContent = "calling…";
  const res = await fetch("/api/v1/tools/" + encodeURIComponent(t.name), { method: "POST", headers: headers(), body: JSON.stringify({ arguments: args }) });
  const text = await res.text();
  try { out.textContent = "HTTP " + res.status + "\n" + JSON.stringify(JSON.parse(text), null, 2); } catch { out.textContent = "HTTP " + res.status + "\n" + text; }
  out.dataset.status = String(res.status);
}

document.getElementById("search").addEventListener("input", renderList);
document.getElementById("key").addEventListener("change", load);
load();
