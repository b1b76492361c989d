import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  RevealOutputChannelOn,
  ShowMessageNotification,
  type ShowMessageParams,
} from "vscode-languageclient/node";

import { ACCEPT_COMMAND, type AcceptanceReporter } from "./acceptance";
import { SERVER_CMD } from "./commands";
import { SuggestionGrewFeature } from "./grew";
import { pipeServerLog } from "./log";
import { PrewarmFeature } from "./prewarm";
import { ProgressStatusFeature } from "./progress";
import type { ServerCommand } from "./server";
import type { ServerState } from "./serverState";
import { completionsEnabled, SECTION, serverSection, serverSettings } from "./settings";
import type { StatusBar } from "./status";

/** What the language client reports to the rest of the extension. */
export interface ClientHooks {
  readonly output: vscode.LogOutputChannel;
  readonly status: StatusBar;
  readonly state: ServerState;
  readonly acceptance: AcceptanceReporter;
  /** A `window/showMessage` from the server. */
  serverMessage(msg: ShowMessageParams): void;
}

/** The language client for `server`, not yet started. */
export function createClient(server: ServerCommand, hooks: ClientHooks): LanguageClient {
  const client = new LanguageClient(
    "qwen",
    "Qwen LSP",
    { command: server.command, args: server.args },
    clientOptions(hooks),
  );
  client.registerFeature(new PrewarmFeature(client));
  client.registerFeature(new SuggestionGrewFeature(client, hooks.output));
  client.registerFeature(
    new ProgressStatusFeature(client, (active) => {
      hooks.state.progress(active);
    }),
  );
  client.registerFeature({
    fillClientCapabilities: () => undefined,
    getState: () => ({ kind: "static" }),
    clear: () => undefined,
    // Replaces the client's own showMessage handler: errors also turn the status bar red.
    initialize: () => {
      client.onNotification(ShowMessageNotification.type, (msg) => {
        hooks.serverMessage(msg);
      });
    },
  });
  return client;
}

function clientOptions(hooks: ClientHooks): LanguageClientOptions {
  return {
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    initializationOptions: serverSettings(),
    outputChannel: hooks.output,
    stdioOptions: { stdout: pipeServerLog, stderr: pipeServerLog },
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // start() rejects and we say why; the client's own popup would repeat it.
    initializationFailedHandler: () => false,
    middleware: middleware(hooks),
  };
}

function middleware({ status, state, acceptance }: ClientHooks): Middleware {
  return {
    provideInlineCompletionItems: async (document, position, context, token, next) => {
      if (!completionsEnabled()) {
        return null;
      }
      // Asked at once: the server answers from its typing cache without waiting and waits
      // `completion.debounceMs` itself before the model; VS Code cancels this on the next keystroke.
      const started = performance.now();
      const since = acceptance.waitingSince(document, started);
      const result = await next(document, position, context, token);
      if (!token.isCancellationRequested) {
        status.completed(performance.now() - started);
        acceptance.offered(document, position, result, performance.now() - since);
        state.scheduleStats();
      }
      return result;
    },
    executeCommand: async (command, args, next) => {
      if (command === SERVER_CMD.refactor) {
        return refactor(args, (withInstruction) => next(command, withInstruction) as unknown);
      }
      const result = (await next(command, args)) as unknown;
      if (command === ACCEPT_COMMAND) {
        state.scheduleStats();
      }
      return result;
    },
    workspace: {
      // The `qwen` section minus the extension's own `qwen.server.*` keys.
      configuration: async (params, token, next) => {
        const answers = await next(params, token);
        if (!Array.isArray(answers)) {
          return answers;
        }
        return params.items.map(({ section }, i) =>
          section === SECTION || section?.startsWith(`${SECTION}.`) ? serverSection(section) : (answers[i] as unknown),
        );
      },
    },
  };
}

/** The server's Refactor… action carries the selection; the instruction is the user's. */
async function refactor(args: unknown[], send: (args: unknown[]) => unknown): Promise<unknown> {
  const instruction = await vscode.window.showInputBox({
    title: "Qwen: Refactor",
    prompt: "How should this code change?",
    placeHolder: "e.g. extract the loop body into a function",
    ignoreFocusOut: true,
  });
  if (!instruction?.trim()) {
    return undefined;
  }
  const [data, ...rest] = args;
  const withInstruction = typeof data === "object" && data !== null ? { ...data, instruction } : { instruction };
  return await send([withInstruction, ...rest]);
}
