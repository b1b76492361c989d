"""Builders of qwen-lsp's test models (used by scripts/make_tiny_model.py)."""
