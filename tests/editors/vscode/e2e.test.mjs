// Acceptance tests of the VS Code extension in a real VS Code (code-server + Chromium).
// One VS Code session serves every scenario (each ~a few seconds after the ~15 s start);
// expected text comes from the server itself over a plain LSP connection, so it holds for any
// model, and the assertions read the SAVED files, not the DOM.
// Each scenario is a module of e2e/, registered here in the order they run.
import "./e2e/session.mjs";
import "./e2e/status.mjs";
import "./e2e/next_line.mjs";
import "./e2e/completion.mjs";
import "./e2e/actions.mjs";
import "./e2e/menu.mjs";
import "./e2e/docs_on_save.mjs";
import "./e2e/server_path.mjs";
import "./e2e/grew.mjs";
