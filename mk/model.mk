# Test models (scripts/make_tiny_model.py). The random-weight model's rule is in the Makefile;
# it also depends on the builder's modules and the chat template it ships.
MODEL_BUILDER := scripts/make_tiny_model.py $(wildcard scripts/tiny_model/*.py) \
	scripts/tiny_model/sgemm_shim.c server/qwen_lsp/data/chat_template.jinja

$(TINY_MODEL)/config.json: $(MODEL_BUILDER)

# The trained model (issue 3). Always asks the builder: it compares a hash of all its inputs
# (corpus, builder code, the server's prompt modules) and returns at once when nothing changed.
TRAINED_MODEL := $(BUILD)/trained-model
TRAINING_FILES := $(sort $(wildcard tests/fixtures/corpus/*))

.PHONY: trained-model
trained-model: install
	$(BIN)/python scripts/make_tiny_model.py $(TRAINED_MODEL) --train $(TRAINING_FILES)

TEST_PREREQS += trained-model

# The cost-realistic benchmark model (random weights, ~25.7M parameters): its prefill and decode
# cost like a real model's on this CPU; rates.json beside it holds the rates measured at build.
COST_MODEL := $(BUILD)/cost-model

.PHONY: cost-model
cost-model: $(COST_MODEL)/config.json

$(COST_MODEL)/config.json: $(MODEL_BUILDER) | install
	$(BIN)/python scripts/make_tiny_model.py $(COST_MODEL) --size cost
