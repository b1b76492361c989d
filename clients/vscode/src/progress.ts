import * as vscode from "vscode";
import {
  type BaseLanguageClient,
  type FeatureState,
  type ProgressToken,
  type StaticFeature,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
} from "vscode-languageclient/node";

export interface ActiveProgress {
  title: string;
  message?: string;
  percentage?: number;
}

interface Entry extends ActiveProgress {
  /** Set for cancellable work shown as a notification; resolves it when the work ends. */
  finish?: () => void;
  notification?: vscode.Progress<{ message?: string; increment?: number }>;
}

/**
 * Server-initiated `$/progress` (model loading, long commands), shown in our status bar item
 * instead of the client's generic spinner. Cancellable work also gets a notification with a
 * Cancel button that sends `window/workDoneProgress/cancel`.
 *
 * Registered after the client's built-in ProgressFeature, so its create handler replaces that one.
 */
export class ProgressStatusFeature implements StaticFeature {
  private readonly active = new Map<ProgressToken, Entry>();
  private readonly handlers = new Map<ProgressToken, vscode.Disposable>();
  private createHandler: vscode.Disposable | undefined;

  constructor(
    private readonly client: BaseLanguageClient,
    private readonly onChange: (active: ActiveProgress | undefined) => void,
  ) {}

  fillClientCapabilities(capabilities: { window?: { workDoneProgress?: boolean } }): void {
    capabilities.window = { ...capabilities.window, workDoneProgress: true };
  }

  getState(): FeatureState {
    return { kind: "static" };
  }

  initialize(): void {
    this.createHandler = this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      this.handlers.set(
        token,
        this.client.onProgress(WorkDoneProgress.type, token, (value) => {
          switch (value.kind) {
            case "begin":
              this.begin(token, value);
              break;
            case "report":
              this.report(token, value);
              break;
            case "end":
              this.end(token);
              break;
          }
        }),
      );
    });
  }

  private begin(token: ProgressToken, value: WorkDoneProgressBegin): void {
    const entry: Entry = { title: value.title, message: value.message, percentage: value.percentage };
    this.active.set(token, entry);
    if (value.cancellable) {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Qwen: ${value.title}`, cancellable: true },
        (progress, cancel) =>
          new Promise<void>((resolve) => {
            entry.finish = resolve;
            entry.notification = progress;
            progress.report({ message: value.message });
            cancel.onCancellationRequested(() => {
              void this.client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
            });
          }),
      );
    }
    this.changed();
  }

  private report(token: ProgressToken, value: WorkDoneProgressReport): void {
    const entry = this.active.get(token);
    if (!entry) {
      return;
    }
    const increment =
      value.percentage !== undefined ? value.percentage - (entry.percentage ?? 0) : undefined;
    entry.message = value.message ?? entry.message;
    entry.percentage = value.percentage ?? entry.percentage;
    entry.notification?.report({ message: entry.message, increment });
    this.changed();
  }

  private end(token: ProgressToken): void {
    this.active.get(token)?.finish?.();
    this.active.delete(token);
    this.handlers.get(token)?.dispose();
    this.handlers.delete(token);
    this.changed();
  }

  private changed(): void {
    // The most recent piece of work is the one worth showing.
    const last = [...this.active.values()].pop();
    this.onChange(last && { title: last.title, message: last.message, percentage: last.percentage });
  }

  clear(): void {
    for (const entry of this.active.values()) {
      entry.finish?.();
    }
    this.active.clear();
    for (const handler of this.handlers.values()) {
      handler.dispose();
    }
    this.handlers.clear();
    this.createHandler?.dispose();
    this.onChange(undefined);
  }
}
