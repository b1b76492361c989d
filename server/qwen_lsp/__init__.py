"""qwen-lsp: a local AI pair-programmer served as a language server."""

__version__ = "0.1.0"
