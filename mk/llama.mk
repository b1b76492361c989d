# llama.cpp's server for the remote-backend tests (issue 16) and the benchmark's second peer.
# Built from PyPI's llama-cpp-python source distribution, which vendors llama.cpp with
# tools/server; no network past PyPI, no web UI. ~8.5 min on one core (LLAMA_JOBS, default 2).
LLAMA_CPP_PY_VERSION := 0.3.36
LLAMA_DIR    := $(BUILD)/llama.cpp
LLAMA_SDIST  := $(BUILD)/llama-cpp-python
LLAMA_SRC    := $(LLAMA_SDIST)/llama_cpp_python-$(LLAMA_CPP_PY_VERSION)
LLAMA_SERVER := $(LLAMA_DIR)/bin/llama-server
LLAMA_JOBS   ?= 2

TEST_PREREQS += llama-server

.PHONY: llama-server
llama-server: $(LLAMA_SERVER)

$(LLAMA_SRC)/vendor/llama.cpp/CMakeLists.txt: | install
	mkdir -p $(LLAMA_SDIST)
	$(BIN)/python -m pip download -q --no-binary llama-cpp-python --no-deps \
		-d $(LLAMA_SDIST) llama-cpp-python==$(LLAMA_CPP_PY_VERSION)
	tar -xzf $(LLAMA_SDIST)/llama_cpp_python-$(LLAMA_CPP_PY_VERSION).tar.gz -C $(LLAMA_SDIST)
	touch $@

$(LLAMA_SERVER): $(LLAMA_SRC)/vendor/llama.cpp/CMakeLists.txt
	# llama.cpp puts executables in <build dir>/bin: the build dir is $(LLAMA_DIR) itself.
	cmake -S $(LLAMA_SRC)/vendor/llama.cpp -B $(LLAMA_DIR) -DCMAKE_BUILD_TYPE=Release \
		-DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_USE_PREBUILT_UI=OFF \
		-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF
	cmake --build $(LLAMA_DIR) --target llama-server -j $(LLAMA_JOBS)
	test -x $@

.PHONY: test-remote
test-remote: install trained-model llama-server
	$(BIN)/pytest -m remote $(PYTEST_ARGS)
