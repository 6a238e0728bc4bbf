"""Pairs, truncation, overflow windows and padding, following ``tokenizers`` exactly.

Truncation is ``tokenizers``' ``truncate_encodings`` (``longest_first`` splits the budget the
way it does), each truncated sequence keeps its overflow as windows of the same length that
overlap by ``stride``, and the rows of one sample are ordered as ``Encoding::merge`` orders
them: the first windows of both, then every later window of ``text`` with every window of
``text_pair``, then the first window of ``text`` with every later window of ``text_pair``.
"""

from typing import NamedTuple

import tensorflow as tf

from tfbert.tokenizer.encoding import Encoded
from tfbert.tokenizer.normalization import expand_rows


class Layout(NamedTuple):
    """How to lay sequences out; Python values, fixed when the graph is built."""

    truncation: str | None  # None, "longest_first", "only_first" or "only_second"
    limit: int | None  # max_length minus the special tokens, when truncating
    stride: int
    overflow: bool
    padding: str | None  # None, "longest" or "max_length"
    max_length: int | None
    pad_to_multiple_of: int | None
    truncate_left: bool = False  # truncation_side="left": keep the end, windows from the end
    pad_left: bool = False  # padding_side="left"
    add_special: bool = True  # [CLS] A [SEP] (B [SEP]); False: A (B)


def _targets(la, lb, layout: Layout, pair: bool):
    """Per-sample lengths each sequence is truncated to (``truncate_encodings``)."""
    if layout.truncation is None:
        return la, lb
    limit = layout.limit
    over = la + lb - limit
    if layout.truncation == "longest_first":
        if not pair:
            return tf.minimum(la, limit), lb
        short = tf.minimum(la, lb)
        n2 = tf.where(short > limit, short, tf.maximum(short, limit - short))
        halve = short + n2 > limit
        n1 = tf.where(halve, limit // 2, short)
        n2 = tf.where(halve, limit // 2 + limit % 2, n2)
        a_longer = la > lb
        ta, tb = tf.where(a_longer, n2, n1), tf.where(a_longer, n1, n2)
    else:
        first = layout.truncation == "only_first"
        target = la if first else lb
        check = tf.debugging.assert_less(
            tf.where(over > 0, over, -1),
            target,
            message=(
                f"truncation={layout.truncation!r}: the sequence to truncate is too short "
                f"to fit max_length={layout.max_length} (the other sequence and the special "
                f"tokens leave it no room; for question answering, the question is too "
                f"long). Tokens over the limit (x) and the length of the sequence to "
                f"truncate (y):"
            ),
        )
        with tf.control_dependencies([check]):
            cut = tf.where(over > 0, target - over, target)
        ta, tb = (cut, lb) if first else (la, cut)
    keep = over <= 0
    ta, tb = tf.where(keep, la, ta), tf.where(keep, lb, tb)
    if layout.stride:
        # tokenizers panics here; say why instead.
        bad = lambda t, length: (t < length) & (t > 0) & (layout.stride >= t)
        check = tf.debugging.assert_equal(
            tf.reduce_any(bad(ta, la) | bad(tb, lb)),
            False,
            message=f"stride {layout.stride} must be smaller than the length each truncated "
            "sequence is cut to",
        )
        with tf.control_dependencies([check]):
            ta, tb = tf.identity(ta), tf.identity(tb)
    return ta, tb


def _window_count(length, target, stride):
    step = tf.maximum(target - stride, 1)
    count = (length - target + step - 1) // step + 1
    return tf.where(target >= length, 1, tf.where(target == 0, 2, count))


def _window(length, target, stride, index, left):
    """Start and length of window ``index`` of a sequence truncated to ``target``.

    Truncating on the left mirrors the windows: ``tokenizers`` cuts them from the end.
    """
    whole = (target >= length) | ((target == 0) & (index == 1))
    start = tf.where(whole, 0, index * (target - stride))
    size = tf.where(whole, length, tf.minimum(target, length - start))
    return (length - start - size if left else start), size


def _window_values(encoded: Encoded, sample, start, row, index, inside):
    """``encoded.<field>[sample[row]][start[row] + index]`` where ``inside``, else 0."""
    base = tf.gather(tf.cast(encoded.ids.row_starts(), tf.int32), sample) + start
    at = tf.where(inside, tf.gather(base, row) + index, tf.size(encoded.ids.values))
    # A trailing 0 makes the "outside" index valid even when there are no tokens at all.
    fields = {k: v for k, v in encoded._asdict().items() if v is not None}
    return {k: tf.gather(tf.concat([v.values, [0]], 0), at) for k, v in fields.items()}


def assemble(
    a: Encoded, b: Encoded | None, cls_id: int, sep_id: int, pad_id: int, layout: Layout
) -> dict[str, tf.Tensor]:
    """Builds model inputs from encoded texts (and pairs).

    Args:
        a: the encoded ``text``.
        b: the encoded ``text_pair``, or ``None``.
        cls_id: id of ``[CLS]``.
        sep_id: id of ``[SEP]``.
        pad_id: id of ``[PAD]``.
        layout: truncation and padding settings.

    Returns:
        ``input_ids``, ``token_type_ids``, ``attention_mask``, ``special_tokens_mask``,
        ``offset_mapping`` and ``overflow_to_sample_mapping``, and ``word_ids`` (-1 for special
        tokens and padding) when ``a.words`` is given; ragged when not padding.
    """
    pair = b is not None
    la = tf.cast(a.ids.row_lengths(), tf.int32)
    lb = tf.cast(b.ids.row_lengths(), tf.int32) if pair else tf.zeros_like(la)
    ta, tb = _targets(la, lb, layout, pair)
    stride = layout.stride if layout.truncation else 0
    if layout.overflow:
        na, nb = _window_count(la, ta, stride), _window_count(lb, tb, stride)
        sample, k = expand_rows(na * nb)
        na, nb = tf.gather(na, sample), tf.gather(nb, sample)
        a_later = (k > 0) & (k <= (na - 1) * nb)
        ia = tf.where(a_later, 1 + (k - 1) // tf.maximum(nb, 1), 0)
        ib = tf.where(a_later, (k - 1) % tf.maximum(nb, 1), tf.where(k > 0, k - (na - 1) * nb, 0))
    else:
        sample = tf.range(tf.size(la))
        ia = ib = tf.zeros_like(sample)
    left = layout.truncate_left
    sa, wa = _window(tf.gather(la, sample), tf.gather(ta, sample), stride, ia, left)
    sb, wb = _window(tf.gather(lb, sample), tf.gather(tb, sample), stride, ib, left)

    # Every output token at once: row r is [CLS] A-window [SEP] (B-window [SEP]), or without
    # special tokens A-window (B-window); `lead` tokens come before A, `gap` between A and B.
    lead, gap, tail = (1, 1, 1) if layout.add_special else (0, 0, 0)
    length = wa + lead + gap + (wb + tail if pair else 0)
    row, pos = expand_rows(length)
    wa_r = tf.gather(wa, row)
    in_a = (pos >= lead) & (pos < wa_r + lead)
    b_first = wa_r + lead + gap
    in_b = (pos >= b_first) & (pos < tf.gather(length, row) - tail) if pair else tf.zeros_like(in_a)
    from_a = _window_values(a, sample, sa, row, pos - lead, in_a)
    from_b = _window_values(b, sample, sb, row, pos - b_first, in_b) if pair else None
    pick = lambda key, special_value: tf.where(
        in_a, from_a[key], tf.where(in_b, from_b[key], special_value) if pair else special_value
    )
    ragged = lambda v: tf.RaggedTensor.from_row_lengths(
        v, tf.cast(length, tf.int64), validate=False
    )
    special = ~(in_a | in_b)
    out = {
        "input_ids": ragged(pick("ids", tf.where(pos == 0, cls_id, sep_id))),
        "token_type_ids": ragged(tf.cast(pos >= b_first, tf.int32) if pair else tf.zeros_like(pos)),
        "attention_mask": ragged(tf.ones_like(pos)),
        "special_tokens_mask": ragged(tf.cast(special, tf.int32)),
        "offset_mapping": ragged(tf.stack([pick("starts", 0), pick("ends", 0)], 1)),
    }
    if a.words is not None:
        out["word_ids"] = ragged(tf.where(special, -1, pick("words", -1)))
    if layout.padding:
        lengths = out["input_ids"].row_lengths()
        width = tf.cast(tf.reduce_max(tf.concat([lengths, [0]], 0)), tf.int32)
        if layout.padding == "max_length":
            width = tf.maximum(width, layout.max_length)
        if layout.pad_to_multiple_of:
            m = layout.pad_to_multiple_of
            width = (width + m - 1) // m * m
        fill = {"input_ids": pad_id, "special_tokens_mask": 1, "word_ids": -1}
        shape = tf.cast(tf.stack([tf.size(sample), width]), tf.int64)
        if layout.pad_left:  # pad the rows reversed on the right, then reverse them back
            flipped = tf.gather(tf.cumsum(length, exclusive=True) + length - 1, row) - pos
            out = {k: v.with_values(tf.gather(v.values, flipped)) for k, v in out.items()}
        out = {
            k: v.to_tensor(
                fill.get(k, 0), shape=tf.concat([shape, [2]], 0) if k == "offset_mapping" else shape
            )
            for k, v in out.items()
        }
        if layout.pad_left:
            out = {k: tf.reverse(v, [1]) for k, v in out.items()}
    out["overflow_to_sample_mapping"] = sample
    return out
