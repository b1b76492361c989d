"""Pure completion, action and documentation logic: plain data in, plain data out."""
