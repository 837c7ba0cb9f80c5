"""Copy models between this package and Keras 3, weights and all.

TensorFlow/Keras is imported here, lazily, and nowhere else in ``explainer`` except
comparison code. ``from_keras`` takes a ``keras.Sequential`` or a functional ``keras.Model``
whose graph is a chain (one input, one output, each layer feeding the next, with the mask ops
Keras inserts; an LSTM/GRU with ``return_state=True`` whose output or last h goes on; one
LSTM/GRU whose ``initial_state`` comes from the model's own Inputs; the ``InputLayer`` is skipped). Supported layers: LSTM and GRU (with their Keras options), Bidirectional(LSTM or GRU),
SimpleRNN, Dense, TimeDistributed(Dense), Embedding, Masking, Dropout, Activation. Anything else is a
``ValueError`` naming the layer, its type and what is supported.
"""
from __future__ import annotations
from .errors import InputError, InputTypeError

import os
import warnings

import numpy as np

from .bidirectional import Bidirectional
from .embedding import Embedding
from .gru import GRU
from .layers import LSTM, Activation, Dense, Dropout
from .masking import Masking
from .model import Sequential
from .rnn import SimpleRNN
from .time_distributed import TimeDistributed

SUPPORTED = ("LSTM", "GRU", "Bidirectional(LSTM or GRU)", "SimpleRNN", "Dense", "TimeDistributed(Dense)", "Embedding", "Masking",
             "Dropout", "Activation", "InputLayer")
#: Keras LSTM options copied as they are (same names, same meaning here).
#: Keras's defaults: only options that differ from them are passed on, so a plain model converts plainly.
LSTM_DEFAULTS = {"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
                 "unit_forget_bias": True, "return_sequences": False, "go_backwards": False, "stateful": False,
                 "zero_output_for_mask": False, "unroll": False, "dropout": 0.0, "recurrent_dropout": 0.0}
LSTM_OPTIONS = ("units",) + tuple(LSTM_DEFAULTS)
#: The same for a GRU: Keras's options and defaults (reset_after=True, as PyTorch's nn.GRU).
GRU_DEFAULTS = {**{k: v for k, v in LSTM_DEFAULTS.items() if k != "unit_forget_bias"}, "reset_after": True}
GRU_OPTIONS = ("units",) + tuple(GRU_DEFAULTS)
#: Options that change only how Keras trains (penalties, projections); a trace is unaffected.
TRAINING_ONLY = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                 "embeddings_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
                 "embeddings_constraint")


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


def _unsupported(layer, why: str) -> InputError:
    return InputError(f"Keras layer {layer.name!r} ({type(layer).__name__}) {why}; "
                      f"supported layers: {', '.join(SUPPORTED)}")


def _warn_training_only(layer, cfg: dict) -> None:
    dropped = [k for k in TRAINING_ONLY if cfg.get(k) is not None]
    if dropped:
        warnings.warn(f"Keras layer {layer.name!r}: {', '.join(dropped)} not copied (they shape training only; "
                      "forward values and traces are unaffected, training here would differ)", stacklevel=4)


def _activation(layer, name: str) -> str:
    from . import activations

    try:
        return activations.lookup(name).name
    except ValueError:
        raise _unsupported(layer, f"uses activation {name!r}; supported activations: "
                                  f"{', '.join(sorted(activations.ACTIVATIONS))}") from None


def _lstm_from_keras(layer, dtype, name=None, ignore=(), kind=LSTM, options=LSTM_OPTIONS,
                     defaults=LSTM_DEFAULTS):
    """Our LSTM (or, with ``kind=GRU`` and its options, GRU) with the Keras layer's options."""
    cfg = {k: v for k, v in layer.get_config().items() if k not in ignore}
    _warn_training_only(layer, cfg)
    if cfg.get("return_state"):
        raise _unsupported(layer, "uses return_state=True, which a chain of layers cannot pass on")
    cfg["activation"] = _activation(layer, _act_name(layer.activation))
    cfg["recurrent_activation"] = _activation(layer, _act_name(layer.recurrent_activation))
    kwargs = {k: cfg[k] for k in options if k in cfg and (k == "units" or cfg[k] != defaults[k])}
    try:
        return kind(**kwargs, name=name or layer.name, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise _unsupported(layer, f"has options this {kind.__name__} cannot reproduce ({e})") from None


def _from_keras_layer(layer, dtype, states_unused: bool = False):
    """Our copy of one Keras layer. ``states_unused``: an LSTM/GRU with ``return_state=True`` whose
    graph uses only what its output holds too (its last h when ``return_sequences=False``)."""
    keras = import_keras()
    kind = type(layer).__name__
    name = layer.name
    cfg = layer.get_config()
    if kind in ("SpatialDropout1D", "GaussianDropout", "AlphaDropout", "GaussianNoise"):
        raise _unsupported(layer, "is not element-wise Dropout and would change training")
    ignore = ("return_state",) if states_unused else ()
    if isinstance(layer, keras.layers.LSTM):
        return _lstm_from_keras(layer, dtype, ignore=ignore)
    if isinstance(layer, keras.layers.GRU):
        return _lstm_from_keras(layer, dtype, ignore=ignore, kind=GRU, options=GRU_OPTIONS, defaults=GRU_DEFAULTS)
    if isinstance(layer, keras.layers.Bidirectional):
        inner = layer.forward_layer
        if type(inner) not in (keras.layers.LSTM, keras.layers.GRU):
            raise _unsupported(layer, f"wraps a {type(inner).__name__}; Bidirectional is supported around an LSTM "
                                      "or a GRU")
        gru = isinstance(inner, keras.layers.GRU)
        kind, options, defaults = (GRU, GRU_OPTIONS, GRU_DEFAULTS) if gru else (LSTM, LSTM_OPTIONS, LSTM_DEFAULTS)
        back = layer.backward_layer
        fc, bc = inner.get_config(), back.get_config()
        same = all(fc.get(k) == bc.get(k) for k in options if k != "go_backwards")
        if type(back) is not type(inner) or not same or bc["go_backwards"] == fc["go_backwards"]:
            raise _unsupported(layer, f"has a custom backward_layer; only the mirrored twin of the forward "
                                      f"{kind.__name__} is supported")
        base = inner.name[len("forward_"):] if inner.name.startswith("forward_") else inner.name
        # Keras's Bidirectional sets zero_output_for_mask = return_sequences on both directions; ours does too
        return Bidirectional(_lstm_from_keras(inner, dtype, name=base, ignore=("zero_output_for_mask",), kind=kind,
                                              options=options, defaults=defaults),
                             merge_mode=layer.merge_mode, name=name)
    if isinstance(layer, keras.layers.SimpleRNN):
        defaults = {"use_bias": True, "dropout": 0.0, "recurrent_dropout": 0.0, "stateful": False,
                    "return_state": False}
        extra = [f"{k}={cfg[k]!r}" for k, v in defaults.items() if cfg.get(k, v) != v]
        if extra:
            raise _unsupported(layer, f"uses options SimpleRNN here does not have ({', '.join(extra)}); "
                                      "it supports activation, return_sequences, go_backwards")
        _warn_training_only(layer, cfg)
        return SimpleRNN(layer.units, activation=_activation(layer, _act_name(layer.activation)),
                         return_sequences=layer.return_sequences, go_backwards=layer.go_backwards,
                         name=name, dtype=dtype)
    if isinstance(layer, keras.layers.TimeDistributed):
        if not isinstance(layer.layer, keras.layers.Dense):
            raise _unsupported(layer, f"wraps a {type(layer.layer).__name__}; TimeDistributed is supported "
                                      "around a Dense")
        return TimeDistributed(_from_keras_layer(layer.layer, dtype), name=name)
    if isinstance(layer, keras.layers.Dense):
        _warn_training_only(layer, cfg)
        return Dense(layer.units, activation=_activation(layer, _act_name(layer.activation)),
                     use_bias=layer.use_bias, name=name, dtype=dtype)
    if isinstance(layer, keras.layers.Embedding):
        _warn_training_only(layer, cfg)
        return Embedding(layer.input_dim, layer.output_dim, mask_zero=layer.mask_zero, name=name, dtype=dtype)
    if isinstance(layer, keras.layers.Masking):
        return Masking(float(layer.mask_value), name=name, dtype=dtype)
    if isinstance(layer, keras.layers.Dropout):
        if layer.noise_shape is not None:
            raise _unsupported(layer, "uses noise_shape (a mask shared across axes)")
        return Dropout(layer.rate, name=name, dtype=dtype)
    if isinstance(layer, keras.layers.Activation):
        return Activation(_activation(layer, _act_name(layer.activation)), name=name, dtype=dtype)
    raise _unsupported(layer, "is not supported")


def _mask_ops_only(tensor, allowed) -> bool:
    """Whether ``tensor`` is computed from ``allowed`` operations by plain ops alone (no layer): the mask
    Keras inserts, e.g. ``not_equal(tokens, 0)`` for ``Embedding(mask_zero=True)``."""
    keras = import_keras()
    op = tensor._keras_history.operation
    if op in allowed:
        return True
    if isinstance(op, keras.layers.Layer):  # a layer between: a computation, not Keras's mask
        return False
    node = op._inbound_nodes[tensor._keras_history.node_index]
    return bool(node.input_tensors) and all(_mask_ops_only(t, allowed) for t in node.input_tensors)


def _stateful_outputs(layer) -> bool:
    """Whether ``layer`` is an LSTM/GRU called with ``return_state=True`` (outputs: y, h[, c])."""
    return bool(getattr(layer, "return_state", False)) and type(layer).__name__ in ("LSTM", "GRU")


def _check_state_use(t, user: str) -> None:
    """Refuse, by name, a tensor ``t`` that is a state a ``return_state=True`` layer returns beside its output.

    An LSTM's outputs are (y, h, c), a GRU's (y, h). A chain passes y on; h is y itself when
    ``return_sequences=False`` (the last step's h), so using h is using y. The cell state c, or h
    beside a whole sequence y, is something a chain of layers cannot carry."""
    layer, k = t._keras_history.operation, t._keras_history.tensor_index
    if not _stateful_outputs(layer) or k == 0 or (k == 1 and not layer.return_sequences):
        return
    what = "its cell state c" if k == 2 else "its last h beside its whole sequence (return_sequences=True)"
    raise _unsupported(layer, f"passes {what} (return_state=True) to {user}; a chain here passes on the layer's "
                              "output, or its last h when return_sequences=False (the same values); to see this "
                              f"layer, trace it: lstm-explainer trace --model M.keras --layer {layer.name} "
                              "--input x.npz")


def _state_inputs(keras_model, layers) -> dict:
    """``{layer: [Input names]}`` for the layers whose ``initial_state`` is made of the model's own Inputs."""
    keras = import_keras()
    inputs = {id(t._keras_history.operation) for t in keras_model.inputs}
    found = {}
    for layer in layers:
        for node in layer._inbound_nodes[:1]:
            state = node.arguments.kwargs.get("initial_state")
            tensors = [t for t in keras.tree.flatten(state) if isinstance(t, keras.KerasTensor)] if state else []
            if tensors and all(id(t._keras_history.operation) in inputs for t in tensors):
                found[layer] = [t._keras_history.operation.name for t in tensors]
    return found


def _chain(keras_model) -> tuple[list, object, dict | None]:
    """The model's layers in order, its sequence input, and its state inputs (``None``, or what
    :attr:`Sequential.state_inputs` holds), refusing any graph that is not one straight chain.

    A chain may carry the mask ops Keras inserts (``not_equal`` from ``Embedding(mask_zero=True)``,
    Masking's ``any(not_equal …)``): our layers compute and pass the same mask along the chain. One
    LSTM/GRU of it may take ``initial_state`` from the model's own Inputs (``LSTM(…)(x,
    initial_state=[h0, c0])``): the converted model then reads ``[x, h0, c0]``, as the Keras model does.
    """
    keras = import_keras()
    layers = [l for l in keras_model.layers if not isinstance(l, keras.layers.InputLayer)]
    if isinstance(keras_model, keras.Sequential):
        return layers, keras_model.inputs[0], None
    takes_states = _state_inputs(keras_model, layers)
    state_names = {n for names in takes_states.values() for n in names}
    main = [t for t in keras_model.inputs if t._keras_history.operation.name not in state_names]
    if len(main) != 1 or len(keras_model.outputs) != 1 or len(takes_states) > 1:
        names = ", ".join(repr(t._keras_history.operation.name) for t in keras_model.inputs)
        said = "; ".join(f"layer {l.name!r} ({type(l).__name__}) takes initial_state from {', '.join(map(repr, n))}"
                         for l, n in takes_states.items())
        raise InputError(f"Keras model {keras_model.name!r} has {len(keras_model.inputs)} inputs ({names}) and "
                         f"{len(keras_model.outputs)} outputs{f' ({said})' if said else ''}; from_keras converts a "
                         "chain with one sequence input and one output (each layer feeding the next, with Keras's "
                         "mask ops; a return_state layer's output or last h; one LSTM or GRU whose initial_state "
                         "is the model's own Inputs); to see one layer of any model, trace it: "
                         "lstm-explainer trace --model M.keras --layer NAME --input x.npz")
    state = None
    for layer, names in takes_states.items():
        if type(layer).__name__ not in ("LSTM", "GRU"):
            raise _unsupported(layer, f"takes initial_state from Inputs {', '.join(map(repr, names))}; a converted "
                                      "model passes the model's state inputs to an LSTM or GRU only")
        # Keras fills in a layer's mask from its input only when the call has one tensor argument: called
        # with initial_state tensors and no mask=, the layer gets none, whatever Masking came before
        state = {"layer": layer.name, "x": main[0]._keras_history.operation.name, "states": names,
                 "inputs": [t._keras_history.operation.name for t in keras_model.inputs],
                 "unmasked": layer._inbound_nodes[0].arguments.kwargs.get("mask") is None}
    model_input = main[0]._keras_history.operation
    previous, seen, masking = model_input, {model_input}, False
    for layer in layers:
        nodes = layer._inbound_nodes
        if len(nodes) != 1:
            raise _unsupported(layer, f"is called {len(nodes)} times (a shared layer); only a chain of layers, "
                                      "each used once, is supported")
        args, kwargs = nodes[0].arguments.args, nodes[0].arguments.kwargs
        data = [t for t in keras.tree.flatten(args) if isinstance(t, keras.KerasTensor)]
        sources = [t._keras_history.operation for t in data]
        for t in data:
            _check_state_use(t, repr(layer.name))
        if len(sources) != 1 or sources[0] is not previous:
            names = ", ".join(repr(s.name) for s in sources)
            raise _unsupported(layer, f"takes its input from {names} instead of the layer before it "
                                      f"({previous.name!r}); branches and merges are not supported, only a chain")
        for key, value in kwargs.items():
            tensors = [t for t in keras.tree.flatten(value) if isinstance(t, keras.KerasTensor)]
            if not tensors:
                continue
            if key == "mask" and masking and all(_mask_ops_only(t, seen) for t in tensors):
                continue  # Keras's own mask, which our chain computes the same way
            if key == "initial_state" and layer in takes_states:
                continue  # the model's state inputs, which the converted model reads beside x
            names = ", ".join(repr(n) for n in dict.fromkeys(t._keras_history.operation.name for t in tensors))
            raise _unsupported(layer, f"takes {key} from {names}; a chain here has one input and passes on only "
                                      "the mask of Embedding(mask_zero=True) or Masking; to see this layer, trace "
                                      f"it: lstm-explainer trace --model M.keras --layer {layer.name} --input x.npz")
        masking = masking or getattr(layer, "mask_zero", False) or isinstance(layer, keras.layers.Masking)
        previous = layer
        seen.add(layer)
    if keras_model.outputs[0]._keras_history.operation is not previous:
        raise InputError(f"Keras model {keras_model.name!r}: its output is not the last layer of the chain")
    _check_state_use(keras_model.outputs[0], "the model's output")
    return layers, main[0], state


def from_keras(keras_model, dtype="float32") -> Sequential:
    """A :class:`Sequential` with the same layers and a copy of ``keras_model``'s weights.

    ``keras_model`` is a ``keras.Sequential`` or a functional ``keras.Model`` that is a chain (with
    the mask ops Keras inserts for ``Embedding(mask_zero=True)`` or ``Masking``; an LSTM/GRU with
    ``return_state=True`` whose output, or last h when ``return_sequences=False``, goes on; one
    LSTM/GRU whose ``initial_state`` is the model's own Inputs: the copy then reads ``[x, h0, c0]``
    in the Keras model's input order, or a dict by input name, see :attr:`Sequential.state_inputs`).
    A graph with other inputs, branches, merges, states from other layers or a cell state c used
    downstream is refused by layer name: trace one of its layers instead
    (:func:`explainer.your_model.trace_keras_layer`).
    """
    keras = import_keras()
    if not isinstance(keras_model, keras.Model):
        raise InputTypeError(f"from_keras expects a keras.Model, got {type(keras_model).__name__}")
    if not keras_model.built or not getattr(keras_model, "inputs", None):
        raise InputError("the Keras model is not built; give it an input shape (keras.Input) or call it once")
    keras_layers, main, state_inputs = _chain(keras_model)
    input_shape = tuple(main.shape[1:])
    if not keras_layers:
        raise InputError(f"Keras model {keras_model.name!r} has no layers")
    model = Sequential(name=keras_model.name)
    for layer in keras_layers:  # the chain uses only what a return_state layer's output holds (_chain checked)
        model.add(_from_keras_layer(layer, dtype, states_unused=_stateful_outputs(layer)))
    integer_ids = isinstance(model.layers[0], Embedding)
    if input_shape and input_shape[-1] is None and not integer_ids:
        raise InputError(f"the Keras model's feature dimension must be known, got input shape {input_shape}")
    model.build(tuple(1 if s is None else s for s in input_shape))
    model.input_shape = input_shape
    model.state_inputs = state_inputs
    for ours, theirs in zip(model.layers, keras_layers):
        weights = theirs.get_weights()
        if len(weights) != len(ours.params):  # e.g. a stateful LSTM's states are not weights here
            weights = [np.asarray(w) for w in theirs.trainable_weights]
        try:
            ours.set_weights(weights)
        except ValueError as e:
            raise InputError(f"weights of Keras layer {theirs.name!r} do not fit: {e}") from None
    return model


def _lstm_to_keras(keras, layer: LSTM, name: str | None = None):
    if layer.peephole:
        raise InputError(f"layer {layer.name!r}: peephole connections have no Keras equivalent")
    cfg = layer.get_config()
    kwargs = {k: cfg[k] for k in LSTM_OPTIONS if k in cfg}
    return keras.layers.LSTM(**kwargs, name=name or layer.name)


def _gru_to_keras(keras, layer: GRU, name: str | None = None):
    cfg = layer.get_config()
    return keras.layers.GRU(**{k: cfg[k] for k in GRU_OPTIONS if k in cfg}, name=name or layer.name)


def _to_keras_layer(keras, layer):
    if isinstance(layer, LSTM):
        return _lstm_to_keras(keras, layer)
    if isinstance(layer, GRU):
        return _gru_to_keras(keras, layer)
    if isinstance(layer, Bidirectional):
        base, inner = layer.forward_layer.name[len("forward_"):], layer.forward_layer
        copy = _gru_to_keras(keras, inner, base) if isinstance(inner, GRU) else _lstm_to_keras(keras, inner, base)
        return keras.layers.Bidirectional(copy, merge_mode=layer.merge_mode, name=layer.name)
    if isinstance(layer, SimpleRNN):
        return keras.layers.SimpleRNN(layer.units, activation=layer.activation,
                                      return_sequences=layer.return_sequences, go_backwards=layer.go_backwards,
                                      name=layer.name)
    if isinstance(layer, TimeDistributed):
        return keras.layers.TimeDistributed(_to_keras_layer(keras, layer.layer), name=layer.name)
    if isinstance(layer, Dense):
        return keras.layers.Dense(layer.units, activation=layer.activation, use_bias=layer.use_bias,
                                  name=layer.name)
    if isinstance(layer, Embedding):
        return keras.layers.Embedding(layer.input_dim, layer.output_dim, mask_zero=layer.mask_zero,
                                      name=layer.name)
    if isinstance(layer, Masking):
        return keras.layers.Masking(layer.mask_value, name=layer.name)
    if isinstance(layer, Dropout):
        return keras.layers.Dropout(layer.rate, name=layer.name)
    if isinstance(layer, Activation):
        return keras.layers.Activation(layer.activation, name=layer.name)
    raise InputError(f"layer {layer.name!r} of type {type(layer).__name__} cannot be converted to Keras; "
                     f"supported: {', '.join(SUPPORTED[:-1])}")


def to_keras(model: Sequential, time_steps: int | None = None, batch_size: int | None = None):
    """A ``keras.Sequential`` with the same layers and a copy of ``model``'s weights.

    Peephole LSTMs have no Keras counterpart and raise a ``ValueError``. A stateful LSTM
    needs a fixed ``batch_size``, as in Keras.
    """
    keras = import_keras()
    if not model.built:
        raise InputError("build the model (give the first layer an input_shape) before to_keras")
    if model.state_inputs is not None:
        raise InputError(f"layer {model.state_inputs['layer']!r} starts from the model's state inputs "
                         f"({', '.join(model.state_inputs['states'])}), which a keras.Sequential cannot take; "
                         "build that Keras model with the functional API")
    if batch_size is None and any(getattr(l, "stateful", False) for l in model.layers):
        raise InputError("a stateful LSTM needs a fixed batch size in Keras: call to_keras(model, batch_size=N)")
    t = time_steps if time_steps is not None else model.input_shape[0]
    shape = (t,) + tuple(model.input_shape[1:])
    ids = isinstance(model.layers[0], Embedding)
    first = keras.Input(shape=shape, batch_size=batch_size, dtype="int32" if ids else None)
    layers = [first] + [_to_keras_layer(keras, layer) for layer in model.layers]
    km = keras.Sequential(layers, name=model.name)
    km.set_weights([np.asarray(w, dtype=np.float32) for w in model.get_weights()])
    return km


# --- one layer of any Keras model ---------------------------------------------
#: Keras layers whose steps this package traces.
RECURRENT = ("LSTM", "SimpleRNN", "Bidirectional")


def _is_recurrent(layer) -> bool:
    keras = import_keras()
    # every Keras RNN is listed; one this package cannot copy is refused by name when it is chosen
    return isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))


def _recurrent_paths(keras_model, prefix: str = "", chain: tuple = ()):
    """``(name, keras layer, direction, chain)`` for each recurrent layer, in order, nested models
    included: a layer inside a Model/Sequential used as a layer is named ``outer/inner``
    (``encoder/lstm``) and ``chain`` lists the models around it, outermost first."""
    keras = import_keras()
    for layer in keras_model.layers:
        if isinstance(layer, keras.Model):  # a nested model used as a layer: look inside
            yield from _recurrent_paths(layer, f"{prefix}{layer.name}/", chain + (layer,))
        elif _is_recurrent(layer) and hasattr(layer, "forward_layer"):
            yield f"{prefix}{layer.forward_layer.name}", layer, 0, chain
            yield f"{prefix}{layer.backward_layer.name}", layer, 1, chain
        elif _is_recurrent(layer):
            yield f"{prefix}{layer.name}", layer, None, chain


def keras_recurrent_layers(keras_model) -> list[str]:
    """The names of the recurrent layers of any Keras model, in order (a Bidirectional layer gives
    its two directions, ``forward_…`` and ``backward_…``, as Keras names them; a layer of a nested
    model is ``outer/inner``)."""
    return [name for name, *_ in _recurrent_paths(keras_model)]


def find_recurrent_layer(keras_model, layer: int | str):
    """``(keras layer, direction, chain)`` for ``--layer``: an index into :func:`keras_recurrent_layers`,
    a name, ``outer/inner`` for a layer of a nested model (or its bare name when no other layer has
    it), or a Bidirectional layer's own name (its forward half). ``direction`` is 0/1 for the
    forward/backward half of a Bidirectional layer, else None; ``chain`` the nested models around it."""
    found = list(_recurrent_paths(keras_model))
    names = [name for name, *_ in found]
    if not names:
        kinds = ", ".join(f"{l.name} ({type(l).__name__})" for l in keras_model.layers)
        raise InputError(f"the model has no recurrent layer to trace (its layers: {kinds}); "
                         f"give a model with one of: {', '.join(RECURRENT)}")
    aliases = {}
    for name, kl, direction, _ in found:
        prefix = name.rpartition("/")[0]
        if direction == 0:  # the Bidirectional layer itself: its forward half
            aliases[f"{prefix}/{kl.name}" if prefix else kl.name] = name
    bare = [name.rpartition("/")[2] for name in names]
    for name, short in zip(names, bare):
        if "/" in name and bare.count(short) == 1 and short not in aliases:
            aliases[short] = name  # a nested layer by its own name, when that is unambiguous
    from .your_model import choose_layer

    _, kl, direction, chain = found[choose_layer(names, layer, aliases)]
    return kl, direction, chain


def keras_call(keras_model, layer, inputs: dict[str, np.ndarray], chain: tuple = (), mask=None):
    """What Keras computes around ``layer`` when ``keras_model`` runs on ``inputs`` (by Input name).

    A sub-model from the model's inputs to every tensor the layer's (first) call receives — its
    input, the mask Keras passes (``not_equal`` from ``Embedding(mask_zero=True)``, a Masking
    layer's), its ``initial_state`` — and to the layer's own output. Returns
    ``(args, kwargs, output)`` as NumPy arrays: ``args[0]`` is the layer's input.

    ``chain``: the nested models around ``layer``, outermost first (:func:`find_recurrent_layer`):
    Keras computes what the outermost receives, which is then run through it the same way.
    ``mask``: the mask the model itself is called with (a nested model's, from around it).
    """
    if chain:
        outer_args, outer_kwargs, _ = keras_call(keras_model, chain[0], inputs, mask=mask)
        given = [a for a in _flatten(outer_args)]
        if len(given) != len(chain[0].inputs):
            raise InputError(f"nested model {chain[0].name!r} is called with {len(given)} input(s) but has "
                             f"{len(chain[0].inputs)}")
        inner = {input_name(t): v for t, v in zip(chain[0].inputs, given)}
        return keras_call(chain[0], layer, inner, chain[1:], mask=outer_kwargs.get("mask"))
    keras = import_keras()
    from keras import tree

    nodes = layer._inbound_nodes
    if not nodes:
        raise InputError(f"Keras layer {layer.name!r} is not called in the model's graph")
    node = nodes[0]  # a shared layer: its first call
    given = node.arguments.keras_tensors
    outputs = tree.flatten(node.output_tensors)
    sub = keras.Model(keras_model.inputs, list(given) + list(outputs))
    feed = [inputs[input_name(t)] for t in keras_model.inputs]  # by Input name, in order
    try:
        values = sub(feed, training=False, **({} if mask is None else {"mask": mask}))
    except Exception as e:  # Keras's own message: wrong batch for a stateful layer, bad ids, ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"Keras could not run the model on this input ({first[:300]})") from None
    # a mask Keras attaches at run time (inside a nested model called with one) is no argument of the
    # graph's node; the layer reads it from its input as Keras does
    attached = getattr(values[0], "_keras_mask", None) if given else None
    values = [keras.ops.convert_to_numpy(v) for v in values]
    filled = {id(t): v for t, v in zip(given, values[:len(given)])}
    args, kwargs = node.arguments.fill_in(filled)
    kwargs = {k: v for k, v in kwargs.items() if k != "training" and v is not None}
    # (Keras does so only for a call with one tensor argument: not beside initial_state tensors)
    if "mask" not in kwargs and attached is not None and getattr(layer, "_call_has_mask_arg", False) \
            and len(given) == 1:
        kwargs["mask"] = keras.ops.convert_to_numpy(attached)
    out = values[len(given):]
    return list(args), kwargs, out[0] if len(out) == 1 else out


def _flatten(values) -> list:
    """The arrays in nested lists/tuples/dicts of arrays, in order."""
    if isinstance(values, dict):
        return [a for v in values.values() for a in _flatten(v)]
    if isinstance(values, (list, tuple)):
        return [a for v in values for a in _flatten(v)]
    return [values]


def input_name(t) -> str:
    """The name of a Keras model input: its Input layer's (what ``keras.Input(name=…)`` gave)."""
    return t._keras_history.operation.name


def layer_from_keras(layer, dtype="float32"):
    """Our copy of one Keras layer of a model's graph, with its weights (and a stateful layer's
    carried states: copy it before Keras runs the model again)."""
    keras = import_keras()
    if getattr(layer, "return_state", False) and isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        gru = isinstance(layer, keras.layers.GRU)
        ours = _lstm_from_keras(layer, dtype, ignore=("return_state",), kind=GRU if gru else LSTM,
                                options=GRU_OPTIONS if gru else LSTM_OPTIONS,
                                defaults=GRU_DEFAULTS if gru else LSTM_DEFAULTS)
        ours.return_state = True  # traced alone, the layer returns its states as Keras's does
    else:
        ours = _from_keras_layer(layer, dtype)
    shape = tuple(layer._inbound_nodes[0].arguments.keras_tensors[0].shape[1:])
    ours.build(tuple(1 if s is None else s for s in shape), np.random.default_rng(0))
    weights = layer.get_weights()
    if len(weights) != len(ours.get_weights()):  # a stateful layer's states are not weights here
        weights = [np.asarray(w) for w in layer.trainable_weights]
    try:
        ours.set_weights(weights)
    except ValueError as e:
        raise InputError(f"weights of Keras layer {layer.name!r} do not fit: {e}") from None
    if getattr(layer, "stateful", False) and getattr(layer, "states", None) is not None:
        ours.states = [np.asarray(s, dtype=ours.dtype) for s in layer.states]
    return ours
