# Test models (scripts/make_tiny_model.py). The random-weight model's rule is in the Makefile;
# it also depends on the builder's modules and the chat template it ships.
MODEL_BUILDER := scripts/make_tiny_model.py $(wildcard scripts/tiny_model/*.py) \
	scripts/tiny_model/sgemm_shim.c server/qwen_lsp/data/chat_template.jinja

$(TINY_MODEL)/config.json: $(MODEL_BUILDER)

# The trained model (issue 3): the script itself skips a build whose inputs are unchanged
# (tests/models.py calls it the same way), so this rule only adds make's own timestamps.
TRAINED_MODEL := $(BUILD)/trained-model
TRAINING_FILES := $(sort $(wildcard tests/fixtures/corpus/*))

$(TRAINED_MODEL)/config.json: $(MODEL_BUILDER) $(TRAINING_FILES) | install
	$(BIN)/python scripts/make_tiny_model.py $(TRAINED_MODEL) --train $(TRAINING_FILES)

.PHONY: trained-model
trained-model: $(TRAINED_MODEL)/config.json

TEST_PREREQS += trained-model
