import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for the log. */
  source: string;
}

/** Raised when no server can be found; the message says how to fix it. */
export class ServerNotFoundError extends Error {}

const EXE = process.platform === "win32" ? "qwen-lsp.exe" : "qwen-lsp";
const VENV_BIN = process.platform === "win32" ? "Scripts" : "bin";

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) {
      return path.join(dir, name);
    }
  }
  return undefined;
}

function expandHome(file: string): string {
  return file.startsWith("~/") ? path.join(process.env.HOME ?? "", file.slice(2)) : file;
}

/**
 * How to start the server: `qwen.server.path`, else `qwen.server.python -m qwen_lsp`, else
 * `qwen-lsp` on PATH, else a trusted workspace's `.venv` (a checkout after `make install`).
 * The two settings are restricted: in an untrusted workspace VS Code gives their user values only.
 */
export function resolveServer(): ServerCommand {
  const config = vscode.workspace.getConfiguration("qwen.server");
  const configuredPath = expandHome(config.get<string>("path", "").trim());
  const python = expandHome(config.get<string>("python", "").trim());

  if (configuredPath) {
    if (!isExecutable(configuredPath)) {
      throw new ServerNotFoundError(
        `qwen.server.path is "${configuredPath}", which is not an executable file. ` +
          "Point it at the qwen-lsp command (for example .venv/bin/qwen-lsp), or clear it.",
      );
    }
    return { command: configuredPath, args: ["--stdio"], source: "qwen.server.path" };
  }
  if (python) {
    const interpreter = path.isAbsolute(python) ? python : (onPath(python) ?? python);
    if (!isExecutable(interpreter)) {
      throw new ServerNotFoundError(
        `qwen.server.python is "${python}", which is not an executable file. ` +
          "Point it at a Python interpreter that has qwen-lsp installed (`pip install /path/to/qwen-lsp` " +
          "from a checkout).",
      );
    }
    return { command: interpreter, args: ["-m", "qwen_lsp", "--stdio"], source: "qwen.server.python" };
  }
  const found = onPath(EXE);
  if (found) {
    return { command: found, args: ["--stdio"], source: "PATH" };
  }
  // A workspace's own binary runs only once the user trusts the workspace.
  const untrusted = !vscode.workspace.isTrusted;
  for (const folder of untrusted ? [] : (vscode.workspace.workspaceFolders ?? [])) {
    const candidate = path.join(folder.uri.fsPath, ".venv", VENV_BIN, EXE);
    if (isExecutable(candidate)) {
      return { command: candidate, args: ["--stdio"], source: "workspace .venv" };
    }
  }
  if (untrusted) {
    throw new ServerNotFoundError(
      "Cannot find the qwen-lsp server on PATH, and this workspace is not trusted, so its own " +
        ".venv/bin/qwen-lsp is not started. Trust the workspace, or set qwen.server.path in your " +
        "user settings to the qwen-lsp command.",
    );
  }
  throw new ServerNotFoundError(
    "Cannot find the qwen-lsp server (it is not on PyPI). Run `make install` in a qwen-lsp " +
      "checkout (or `pip install /path/to/qwen-lsp`, or the wheel `make wheel` builds), then set qwen.server.path to the qwen-lsp command, or " +
      "qwen.server.python to the Python interpreter that has it.",
  );
}
