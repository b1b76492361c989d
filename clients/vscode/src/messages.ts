/** Prefix "Qwen: " unless the text already names its source ("qwen-lsp: …"). */
export function withSource(message: string): string {
  return /^qwen/i.test(message) ? message : `Qwen: ${message}`;
}

/** An error's message, or whatever was thrown as text. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
