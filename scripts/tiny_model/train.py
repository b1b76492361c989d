"""Training the tiny model with MLX: AdamW, weighted next-token loss, warm-up + cosine decay."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim

from tiny_model.fim_examples import Example

Batch = tuple[mx.array | None, mx.array, mx.array, mx.array, mx.array]


def weight(example: Example, index: int) -> float:
    """How much predicting token `index` of `example` counts."""
    if index >= example.first_target:
        return 1.0
    return example.prompt_weight if index >= example.unweighted else 0.0


def make_batch(examples: list[Example], pad_id: int) -> Batch:
    """(shared prefix, inputs, flat positions, targets, weights) for the positions that carry a
    loss. The prefix (1 row, or None) is the start every example shares: it runs once, and its
    positions count once for all (their weights summed), so the loss is the unshared batch's.
    Flat positions index the prefix's hidden states, then the rows'.

    Inputs are right-padded: a causal model's earlier positions never see the pad.
    """
    cut = min(e.shared for e in examples)
    prefix = examples[0].tokens[:cut]
    if cut == 0 or any(e.tokens[:cut] != prefix for e in examples):
        cut, prefix = 0, []
    width = max(len(e.tokens) for e in examples) - 1 - cut
    positions, targets, weights = [], [], []
    for index in range(1, cut):
        w = sum(weight(e, index) for e in examples)
        if w > 0:
            positions.append(index - 1)
            targets.append(prefix[index])
            weights.append(w)
    rows = []
    for row, example in enumerate(examples):
        tokens = example.tokens
        rows.append(tokens[cut:-1] + [pad_id] * (width - len(tokens) + 1 + cut))
        for index in range(max(cut, 1), len(tokens)):
            w = weight(example, index)
            if w > 0:  # the first token after the prefix is predicted at the prefix's end
                positions.append(cut - 1 if index == cut else cut + row * width + index - 1 - cut)
                targets.append(tokens[index])
                weights.append(w)
    shared = mx.array([prefix]) if prefix else None
    return shared, mx.array(rows), mx.array(positions), mx.array(targets), mx.array(weights)


class SharedPrefixCache:
    """The mlx-lm cache interface over a prefix run once for a batch: each row's keys and
    values are appended to the prefix's, broadcast to the batch (plain arrays: autodiff sees
    through them)."""

    def __init__(self) -> None:
        self.keys: mx.array | None = None
        self.values: mx.array | None = None
        self.offset = 0

    def update_and_fetch(self, keys: mx.array, values: mx.array) -> tuple[mx.array, mx.array]:
        self.offset += keys.shape[2]
        if self.keys is None or self.values is None:
            self.keys, self.values = keys, values
            return keys, values
        rows = keys.shape[0]
        old_k = mx.broadcast_to(self.keys, (rows, *self.keys.shape[1:]))
        old_v = mx.broadcast_to(self.values, (rows, *self.values.shape[1:]))
        return mx.concatenate([old_k, keys], axis=2), mx.concatenate([old_v, values], axis=2)


def loss_fn(model: nn.Module, shared, inputs, positions, targets, weights) -> mx.array:
    """Weighted cross-entropy; the LM head runs only on the rows that carry a loss."""
    if shared is None:
        hidden = model.model(inputs)
        hidden = hidden.reshape(-1, hidden.shape[-1])
    else:
        cache = [SharedPrefixCache() for _ in model.model.layers]
        head = model.model(shared, cache=cache)
        rows = model.model(inputs, cache=cache)
        hidden = mx.concatenate(
            [head.reshape(-1, head.shape[-1]), rows.reshape(-1, rows.shape[-1])]
        )
    hidden = hidden[positions]
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
