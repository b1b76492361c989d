// A bare LSP client over stdio, used to ask the server itself what VS Code should show, so a
// scenario knows the expected text whatever the model (greedy decoding makes it repeatable).
import { spawn } from "node:child_process";

export class LspClient {
  constructor(command, args, { env, settings }) {
    this.settings = settings;
    this.proc = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    this.nextId = 1;
    /** What the server asked the editor to do or show. */
    this.appliedEdits = [];
    this.messages = [];
    this.logs = [];
    this.pending = new Map();
    this.buffer = Buffer.alloc(0);
    this.stderr = "";
    this.proc.stderr.on("data", (d) => (this.stderr += d));
    this.proc.stdout.on("data", (d) => this.onData(d));
    this.exited = new Promise((resolve) => this.proc.on("exit", resolve));
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const sep = this.buffer.indexOf("\r\n\r\n");
      if (sep < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, sep).toString())[1]);
      if (this.buffer.length < sep + 4 + length) return;
      const msg = JSON.parse(this.buffer.subarray(sep + 4, sep + 4 + length).toString());
      this.buffer = this.buffer.subarray(sep + 4 + length);
      this.onMessage(msg);
    }
  }

  onMessage(msg) {
    if (msg.method && msg.id !== undefined) {
      // Requests from the server: answer like VS Code does.
      let result = null;
      if (msg.method === "workspace/configuration") {
        result = msg.params.items.map(() => this.settings);
      } else if (msg.method === "workspace/applyEdit") {
        this.appliedEdits.push(msg.params.edit);
        result = { applied: true };
      }
      this.write({ jsonrpc: "2.0", id: msg.id, result });
    } else if (msg.method) {
      if (msg.method === "$/progress" && msg.params.value?.kind === "end") this.onProgressEnd?.();
      if (msg.method === "window/showMessage") this.messages.push(msg.params);
      if (msg.method === "window/logMessage") this.logs.push(msg.params.message);
    } else {
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) waiter?.reject(new Error(`${msg.error.code}: ${msg.error.message}`));
      else waiter?.resolve(msg.result);
    }
  }

  write(msg) {
    const body = Buffer.from(JSON.stringify(msg));
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  request(method, params) {
    const id = this.nextId++;
    this.write({ jsonrpc: "2.0", id, method, params });
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  notify(method, params) {
    this.write({ jsonrpc: "2.0", method, params });
  }

  /** Initialize like VS Code (utf-16, progress, configuration) and wait for the model. */
  async start(rootUri, timeoutMs = 60_000) {
    const loaded = new Promise((resolve) => (this.onProgressEnd = resolve));
    const init = await this.request("initialize", {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: "workspace" }],
      initializationOptions: this.settings,
      capabilities: {
        general: { positionEncodings: ["utf-16"] },
        window: { workDoneProgress: true },
        workspace: { configuration: true, workspaceFolders: true, applyEdit: true },
        textDocument: {
          inlineCompletion: {},
          synchronization: { didSave: true },
          codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "refactor"] } },
            resolveSupport: { properties: ["edit"] },
            dataSupport: true,
          },
        },
      },
    });
    this.notify("initialized", {});
    await Promise.race([
      loaded,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`model not loaded in ${timeoutMs} ms:\n${this.stderr}`)), timeoutMs),
      ),
    ]);
    return init.capabilities;
  }

  async stop() {
    await Promise.race([this.request("shutdown", null), new Promise((r) => setTimeout(r, 2000))]);
    this.notify("exit", null);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
    this.proc.kill("SIGKILL");
  }
}

/** Offset of an LSP (line, utf-16 character) position in `text`. */
export function offsetAt(text, { line, character }) {
  let offset = 0;
  for (let i = 0; i < line; i++) offset = text.indexOf("\n", offset) + 1;
  return offset + character;
}

export function positionAt(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

/** `text` with the inline completion item applied, as Tab would (range defaults to the cursor). */
export function applyInline(text, position, item) {
  const insert = typeof item.insertText === "string" ? item.insertText : item.insertText.value;
  const range = item.range ?? { start: position, end: position };
  return text.slice(0, offsetAt(text, range.start)) + insert + text.slice(offsetAt(text, range.end));
}

/** `text` of `uri` after a WorkspaceEdit (`changes` or `documentChanges`). */
export function applyWorkspaceEdit(text, uri, edit) {
  const edits = [
    ...(edit.changes?.[uri] ?? []),
    ...(edit.documentChanges ?? []).filter((c) => c.textDocument?.uri === uri).flatMap((c) => c.edits),
  ];
  // Back to front, so earlier offsets stay valid.
  const located = edits
    .map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start);
  for (const e of located) text = text.slice(0, e.start) + e.newText + text.slice(e.end);
  return text;
}
