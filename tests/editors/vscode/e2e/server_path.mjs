// The server command: a wrong one is reported with its fix, and correcting it restarts.
import { SERVER } from "./cases.mjs";
import { scenario, vsc } from "./session.mjs";

scenario("a wrong server path is reported with a fix; correcting it restarts the server", async () => {
  await vsc.clearNotifications();
  await vsc.updateSettings({ "qwen.server.path": "/nonexistent/qwen-lsp" });
  await vsc.waitForStatus("Qwen: error", 15_000);
  await vsc.waitForNotification("is not an executable file", 5_000);
  await vsc.updateSettings({ "qwen.server.path": SERVER });
  await vsc.waitForStatus("Qwen: ready", 60_000);
});
