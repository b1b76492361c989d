# Test models (scripts/make_tiny_model.py). The random-weight model's rule is in the Makefile;
# it also depends on the builder's modules and the chat template it ships.
MODEL_BUILDER := scripts/make_tiny_model.py $(wildcard scripts/tiny_model/*.py) \
	scripts/tiny_model/sgemm_shim.c server/qwen_lsp/data/chat_template.jinja

$(TINY_MODEL)/config.json: $(MODEL_BUILDER)

# The trained model (issue 3). Training takes ~15 minutes on 2 cores, so the model is committed
# in tests/fixtures/trained-model. The builder hashes all its inputs (corpus, builder code, the
# server's prompt modules): `trained-model` copies the committed model when it was made from the
# current inputs and trains a new one (saying so loudly) when it was not.
TRAINED_MODEL := $(BUILD)/trained-model
COMMITTED_MODEL := tests/fixtures/trained-model
VERIFIED_MODEL := $(BUILD)/trained-model-verify
TRAINING_FILES := $(sort $(wildcard tests/fixtures/corpus/*))
TRAIN := $(BIN)/python scripts/make_tiny_model.py

.PHONY: trained-model verify-trained-model update-trained-model
trained-model: install
	$(TRAIN) $(TRAINED_MODEL) --train $(TRAINING_FILES) --committed $(COMMITTED_MODEL)

# Proof that the committed model is what the builder makes from the current code: train from
# scratch and compare every file (the build is deterministic). Remembered per input key.
verify-trained-model: install
	$(TRAIN) $(VERIFIED_MODEL) --train $(TRAINING_FILES) --verify $(COMMITTED_MODEL)

# After a change to the prompts or the trainer: train, then commit the result.
update-trained-model: install
	$(TRAIN) $(TRAINED_MODEL) --train $(TRAINING_FILES)
	mkdir -p $(COMMITTED_MODEL)
	cd $(TRAINED_MODEL) && cp config.json generation_config.json model.safetensors \
		tokenizer.json tokenizer_config.json inputs.sha256 $(abspath $(COMMITTED_MODEL))/

TEST_PREREQS += trained-model verify-trained-model

# The cost-realistic benchmark model (random weights, ~25.7M parameters): its prefill and decode
# cost like a real model's on this CPU; rates.json beside it holds the rates measured at build.
COST_MODEL := $(BUILD)/cost-model

.PHONY: cost-model
cost-model: $(COST_MODEL)/config.json

$(COST_MODEL)/config.json: $(MODEL_BUILDER) | install
	$(BIN)/python scripts/make_tiny_model.py $(COST_MODEL) --size cost
