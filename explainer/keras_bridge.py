"""Copy models between this package and Keras 3, weights and all.

TensorFlow/Keras is imported here, lazily, and nowhere else in ``explainer`` except
comparison code. Supported layers: LSTM (Keras defaults: tanh/sigmoid, no dropout
inside the layer, not stateful, not unrolled differently), Dense, Dropout, Activation.
Anything else is a clear ``ValueError`` naming the layer and the option.
"""
from __future__ import annotations

import os

import numpy as np

from .layers import LSTM, Activation, Dense, Dropout
from .model import Sequential


def import_keras():
    """Import Keras quietly; a clear error if TensorFlow is not installed."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras
    except ImportError as e:
        raise ImportError("Keras/TensorFlow is not installed; install it with: "
                          "pip install 'lstm-explainer[keras]'") from e
    return keras


def _act_name(fn) -> str:
    return getattr(fn, "__name__", str(fn))


def _from_keras_layer(layer, dtype):
    keras = import_keras()
    kind = type(layer).__name__
    name = layer.name
    if isinstance(layer, keras.layers.LSTM):
        cfg = layer.get_config()
        problems = []
        if _act_name(layer.activation) != "tanh":
            problems.append(f"activation={_act_name(layer.activation)!r}")
        if _act_name(layer.recurrent_activation) != "sigmoid":
            problems.append(f"recurrent_activation={_act_name(layer.recurrent_activation)!r}")
        if not cfg.get("use_bias", True):
            problems.append("use_bias=False")
        if cfg.get("dropout", 0) or cfg.get("recurrent_dropout", 0):
            problems.append("dropout/recurrent_dropout inside the LSTM (use a Dropout layer)")
        if cfg.get("stateful"):
            problems.append("stateful=True")
        if cfg.get("return_state"):
            problems.append("return_state=True inside Sequential")
        if problems:
            raise ValueError(f"Keras layer {name!r} (LSTM) uses unsupported options: {', '.join(problems)}")
        ours = LSTM(layer.units, return_sequences=layer.return_sequences, go_backwards=layer.go_backwards,
                    unit_forget_bias=cfg.get("unit_forget_bias", True), name=name, dtype=dtype)
    elif isinstance(layer, keras.layers.Dense):
        if not layer.use_bias:
            raise ValueError(f"Keras layer {name!r} (Dense) uses unsupported option use_bias=False")
        ours = Dense(layer.units, activation=_act_name(layer.activation), name=name, dtype=dtype)
    elif isinstance(layer, keras.layers.Dropout):
        if layer.noise_shape is not None:
            raise ValueError(f"Keras layer {name!r} (Dropout) uses unsupported option noise_shape")
        ours = Dropout(layer.rate, name=name, dtype=dtype)
    elif isinstance(layer, keras.layers.Activation):
        ours = Activation(_act_name(layer.activation), name=name, dtype=dtype)
    else:
        raise ValueError(f"Keras layer {name!r} of type {kind} is not supported; "
                         "supported: LSTM, Dense, Dropout, Activation")
    return ours


def from_keras(keras_model, dtype="float32") -> Sequential:
    """A :class:`Sequential` with the same layers and a copy of ``keras_model``'s weights."""
    keras = import_keras()
    if not isinstance(keras_model, keras.Model):
        raise TypeError(f"from_keras expects a keras.Model, got {type(keras_model).__name__}")
    if not keras_model.built or keras_model.inputs is None:
        raise ValueError("the Keras model is not built; give it an input shape (keras.Input) or call it once")
    input_shape = tuple(keras_model.inputs[0].shape[1:])
    if any(s is None for s in input_shape[-1:]):
        raise ValueError(f"the Keras model's feature dimension must be known, got input shape {input_shape}")
    model = Sequential(name=keras_model.name)
    for layer in keras_model.layers:
        model.add(_from_keras_layer(layer, dtype))
    model.build(tuple(1 if s is None else s for s in input_shape))
    model.input_shape = input_shape
    for ours, theirs in zip(model.layers, keras_model.layers):
        weights = theirs.get_weights()
        try:
            ours.set_weights(weights)
        except ValueError as e:
            raise ValueError(f"weights of Keras layer {theirs.name!r} do not fit: {e}") from None
    return model


def to_keras(model: Sequential, time_steps: int | None = None):
    """A ``keras.Sequential`` with the same layers and a copy of ``model``'s weights.

    Peephole LSTMs have no Keras counterpart and raise a ``ValueError``.
    """
    keras = import_keras()
    if not model.built:
        raise ValueError("build the model (give the first layer an input_shape) before to_keras")
    t = time_steps if time_steps is not None else model.input_shape[0]
    layers = [keras.Input(shape=(t,) + tuple(model.input_shape[1:]))]
    for layer in model.layers:
        if isinstance(layer, LSTM):
            if layer.peephole:
                raise ValueError(f"layer {layer.name!r}: peephole connections have no Keras equivalent")
            layers.append(keras.layers.LSTM(layer.units, return_sequences=layer.return_sequences,
                                            go_backwards=layer.go_backwards,
                                            unit_forget_bias=layer.unit_forget_bias, name=layer.name))
        elif isinstance(layer, Dense):
            layers.append(keras.layers.Dense(layer.units, activation=layer.activation, name=layer.name))
        elif isinstance(layer, Dropout):
            layers.append(keras.layers.Dropout(layer.rate, name=layer.name))
        elif isinstance(layer, Activation):
            layers.append(keras.layers.Activation(layer.activation, name=layer.name))
        else:
            raise ValueError(f"layer {layer.name!r} of type {type(layer).__name__} cannot be converted to Keras")
    km = keras.Sequential(layers, name=model.name)
    km.set_weights([np.asarray(w, dtype=np.float32) for w in model.get_weights()])
    return km
