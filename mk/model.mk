# Test models (scripts/make_tiny_model.py). The random-weight model's rule is in the Makefile;
# it also depends on the builder's modules and the chat template it ships.
MODEL_BUILDER := scripts/make_tiny_model.py $(wildcard scripts/tiny_model/*.py) \
	server/qwen_lsp/data/chat_template.jinja

$(TINY_MODEL)/config.json: $(MODEL_BUILDER)
