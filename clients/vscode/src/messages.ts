/** Prefix "Qwen: " unless the text already names its source ("qwen-lsp: …"). */
export function withSource(message: string): string {
  return /^qwen/i.test(message) ? message : `Qwen: ${message}`;
}
