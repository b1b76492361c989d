"""Training the tiny model with MLX: AdamW, weighted next-token loss, warm-up + cosine decay."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim

from tiny_model.fim_examples import Example

Batch = tuple[mx.array, mx.array, mx.array, mx.array]


def make_batch(examples: list[Example], pad_id: int) -> Batch:
    """(inputs, flat positions, targets, weights) for the positions that carry a loss.

    Inputs are right-padded: a causal model's earlier positions never see the pad.
    """
    width = max(len(e.tokens) for e in examples) - 1
    rows, positions, targets, weights = [], [], [], []
    for row, example in enumerate(examples):
        tokens = example.tokens
        rows.append(tokens[:-1] + [pad_id] * (width - len(tokens) + 1))
        for index in range(1, len(tokens)):
            weight = 1.0 if index >= example.first_target else example.prompt_weight
            if weight > 0:
                positions.append(row * width + index - 1)
                targets.append(tokens[index])
                weights.append(weight)
    return mx.array(rows), mx.array(positions), mx.array(targets), mx.array(weights)


def loss_fn(model: nn.Module, inputs, positions, targets, weights) -> mx.array:
    """Weighted cross-entropy; the LM head runs only on the rows that carry a loss."""
    hidden = model.model(inputs)
    hidden = hidden.reshape(-1, hidden.shape[-1])[positions]
    if model.args.tie_word_embeddings:
        logits = model.model.embed_tokens.as_linear(hidden)
    else:
        logits = model.lm_head(hidden)
    losses = nn.losses.cross_entropy(logits, targets)
    return (losses * weights).sum() / weights.sum()


def schedule(learning_rate: float, steps: int) -> Callable[[mx.array], mx.array]:
    warmup = max(1, steps // 10)
    return optim.join_schedules(
        [
            optim.linear_schedule(learning_rate / 10, learning_rate, warmup),
            optim.cosine_decay(learning_rate, steps - warmup, learning_rate / 20),
        ],
        [warmup],
    )


def train(
    model: nn.Module,
    batches: Iterator[list[Example]],
    steps: int,
    learning_rate: float,
    pad_id: int,
    log: Callable[[int, float], None],
) -> None:
    optimizer = optim.AdamW(learning_rate=schedule(learning_rate, steps), weight_decay=0.0)
    step_fn = nn.value_and_grad(model, loss_fn)
    for step in range(1, steps + 1):
        loss, grads = step_fn(model, *make_batch(next(batches), pad_id))
        grads, _ = optim.clip_grad_norm(grads, 1.0)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss)
        log(step, loss.item())
