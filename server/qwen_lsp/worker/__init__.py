"""The model worker process (mlx-lm); never imports pygls."""
