"""Keras's own LSTM tests (keras/src/layers/rnn/lstm_test.py, Keras 3), reproduced on our LSTM.

Same inputs, same constant initialisers, same published golden values, written with Keras's
API names as a Keras user writes them. No TensorFlow needed: the numbers are Keras's.
"""
import numpy as np
import pytest

from explainer import LSTM, initializers

ATOL = RTOL = 1e-5


def constant_lstm(units, **kwargs):
    return LSTM(units, kernel_initializer=initializers.Constant(0.01),
                recurrent_initializer=initializers.Constant(0.02),
                bias_initializer=initializers.Constant(0.03), **kwargs)


def close(output, expected):
    np.testing.assert_allclose(output, np.array(expected), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("unroll", [False, True])
def test_correctness(unroll):
    sequence = np.arange(72).reshape((3, 6, 4)).astype("float32")
    close(constant_lstm(3, unroll=unroll)(sequence),
          [[0.6288687] * 3, [0.86899155] * 3, [0.9460773] * 3])
    close(constant_lstm(3, go_backwards=True)(sequence),
          [[0.35622165] * 3, [0.74789524] * 3, [0.8872726] * 3])
    close(constant_lstm(3, unit_forget_bias=False)(sequence),
          [[0.57019705] * 3, [0.8661914] * 3, [0.9459622] * 3])
    layer = constant_lstm(3, use_bias=False)
    close(layer(sequence), [[0.54986924] * 3, [0.86226785] * 3, [0.9443936] * 3])
    assert list(layer.params) == ["kernel", "recurrent_kernel"]  # as Keras: no bias weight at all


def test_statefulness():
    sequence = np.arange(24).reshape((2, 3, 4)).astype("float32")
    layer = constant_lstm(4, stateful=True)
    first = layer(sequence)
    output = layer(sequence)
    close(output, [[0.3124785] * 4, [0.6863672] * 4])
    assert not np.allclose(first, output)  # the second call started from the first call's states
    layer.reset_state()
    layer(sequence)
    close(layer(sequence), [[0.3124785] * 4, [0.6863672] * 4])
    layer.reset_states()  # Keras 2's name still works
    np.testing.assert_array_equal(layer(sequence), first)


def test_pass_initial_state():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    initial_state = [np.arange(4).reshape((2, 2)).astype("float32"),
                     np.arange(4).reshape((2, 2)).astype("float32")]
    close(constant_lstm(2)(sequence, initial_state=initial_state),
          [[0.20574439, 0.3558822], [0.64930826, 0.66276]])
    close(constant_lstm(2, go_backwards=True)(sequence, initial_state=initial_state),
          [[0.13281618, 0.2790356], [0.5839337, 0.5992567]])


def test_masking():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    close(constant_lstm(2, unroll=True)(sequence, mask=mask),
          [[0.11755939, 0.11755939], [0.28556206, 0.28556206]])

    output = constant_lstm(2, return_sequences=True)(sequence, mask=mask)
    close(output[0], [[0.01588910] * 2, [0.05552048] * 2, [0.11755939] * 2, [0.11755939] * 2])
    close(output[1], [[0.14185596] * 2, [0.28556206] * 2, [0.28556206] * 2, [0.28556206] * 2])

    output = constant_lstm(2, return_sequences=True, zero_output_for_mask=True)(sequence, mask=mask)
    close(output[0], [[0.01588910] * 2, [0.05552048] * 2, [0.11755939] * 2, [0.0, 0.0]])
    close(output[1], [[0.14185596] * 2, [0.28556206] * 2, [0.0, 0.0], [0.0, 0.0]])

    backwards_mask = np.array([[False, True, True, True], [False, False, True, True]])
    close(constant_lstm(2, go_backwards=True)(sequence, mask=backwards_mask),
          [[0.15341201, 0.15341201], [0.3844719, 0.3844719]])


def test_masked_trace_records_the_mask_and_validates(tmp_path):
    from explainer.trace import SequenceTrace

    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32") / 24
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    trace = constant_lstm(2, return_sequences=True).trace(sequence, mask=mask)
    np.testing.assert_array_equal(trace.mask, mask)
    # a masked step carries h and c unchanged
    np.testing.assert_array_equal(trace.h[1, 2], trace.h[1, 1])
    np.testing.assert_array_equal(trace.c[1, 3], trace.c[1, 1])
    again = SequenceTrace.load(trace.save(tmp_path / "masked.npz"))  # load validates, skipping masked steps
    np.testing.assert_array_equal(again.mask, mask)
    np.testing.assert_array_equal(again.sample(1).mask, mask[1:])
