import * as vscode from "vscode";

export const SECTION = "qwen";
/** `qwen.server.*` tells the extension how to start the server; the server never sees it. */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The `qwen` section as the server's settings object (what `settings_schema()` describes). */
export function serverSettings(): { [key: string]: Json } {
  const config = vscode.workspace.getConfiguration(SECTION);
  // A round trip through JSON drops the WorkspaceConfiguration's methods.
  const all = JSON.parse(JSON.stringify(config)) as { [key: string]: Json };
  delete all.server;
  if (!vscode.workspace.isTrusted) {
    // What is loaded or downloaded comes from user settings only (package.json restricts these
    // too; taking the user's values here keeps it so whatever VS Code does with them).
    all.model = config.inspect<string>("model")?.globalValue ?? "";
    const given = all.worker;
    const worker = given !== null && typeof given === "object" && !Array.isArray(given) ? given : {};
    worker.allowDownload = config.inspect<boolean>("worker.allowDownload")?.globalValue ?? false;
    all.worker = worker;
  }
  return all;
}

/** Answer one `workspace/configuration` item: `qwen`, `qwen.docs`, … */
export function serverSection(section: string): Json {
  let value: Json = serverSettings();
  for (const key of section.split(".").slice(1)) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return null;
    }
    value = value[key] ?? null;
  }
  return value;
}

export function completionsEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>("completion.enabled", true);
}
