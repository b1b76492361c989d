import * as readline from "node:readline";
import type * as stream from "node:stream";
import type * as vscode from "vscode";

type Level = "trace" | "debug" | "info" | "warn" | "error";

// Python logging levels → the output channel's (`%(asctime)s %(levelname)s %(message)s`).
const LEVELS: Record<string, Level> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  ERROR: "error",
  CRITICAL: "error",
};
const LINE = /^\d{4}-\d\d-\d\d [\d:,.]+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/;

/**
 * Forward the server's log lines at their own level (the client would log all of stderr as
 * errors). Lines without a level, such as a traceback's, keep the level of the line before.
 */
export function pipeServerLog(input: stream.Readable, channel: vscode.LogOutputChannel): void {
  let level: Level = "info";
  readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on("line", (line) => {
    const match = LINE.exec(line);
    if (match) {
      level = LEVELS[match[1]] ?? "info";
    }
    channel[level](match ? match[2] : line);
  });
}
