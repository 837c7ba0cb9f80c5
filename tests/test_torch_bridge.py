"""PyTorch state dicts read without torch, against golden outputs made once by real PyTorch.

The files in tests/data/torch were written by scripts/make_torch_golden.py (torch 2.13, CPU):
a state dict saved with safetensors exactly as a PyTorch user saves one, and the inputs and
outputs PyTorch computed from it in float64.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from explainer import Bidirectional, LSTM
from explainer.torch_bridge import TORCH_GATE_ORDER, batch_major, from_torch_state_dict, load_safetensors, \
    torch_to_keras_blocks

DATA = Path(__file__).parent / "data" / "torch"
TOL = 1e-5


def golden(name):
    io = np.load(DATA / f"{name}_io.npz")
    return DATA / f"{name}.safetensors", io, json.loads(str(io["config"]))


@pytest.mark.parametrize("case", ["uni_last", "stacked_bidirectional_time_major", "no_bias_sequence"])
def test_outputs_match_pytorch(case):
    path, io, cfg = golden(case)
    model = from_torch_state_dict(path, output=cfg["readout"])
    lstms = [l for l in model.layers if isinstance(l, (LSTM, Bidirectional))]
    assert len(lstms) == cfg["num_layers"]
    assert all(isinstance(l, Bidirectional) == cfg["bidirectional"] for l in lstms)
    ours = model.predict(io["x"])
    assert ours.shape == io["y"].shape
    assert np.abs(ours - io["y"]).max() <= TOL
    # every layer's hidden state too: the top layer's sequence equals PyTorch's `output`
    traces = model.trace(io["x"])
    if cfg["bidirectional"]:
        fwd, bwd = traces[-2:]
        seq = np.concatenate([fwd.h, bwd.h[:, ::-1]], axis=-1)  # backward trace runs in processing order
    else:
        seq = traces[-1].h
    assert np.abs(seq - io["sequence"]).max() <= TOL
    # and the final cell state of the top layer: PyTorch's c_n
    assert np.abs(traces[-1].c[:, -1] - io["c_n"][-1]).max() <= TOL


def test_time_major_inputs_are_swapped_by_batch_major():
    path, io, cfg = golden("stacked_bidirectional_time_major")
    assert cfg["batch_first"] is False
    model = from_torch_state_dict(path)
    x_time_major = np.swapaxes(io["x"], 0, 1)  # what the PyTorch user feeds their module
    assert np.abs(model.predict(batch_major(x_time_major, batch_first=False)) - io["y"]).max() <= TOL


def test_gate_blocks_are_mapped_by_name():
    assert TORCH_GATE_ORDER == ("i", "f", "g", "o")
    u = 2
    w = np.repeat(np.arange(4.0), u)  # block k holds the value k in PyTorch's order i, f, g, o
    # Keras's order is i, f, c(=g), o: the same order, block by block
    np.testing.assert_array_equal(torch_to_keras_blocks(w, u), w)
    path, io, cfg = golden("uni_last")
    sd = load_safetensors(path)
    model = from_torch_state_dict(sd)
    lstm = model.layers[0]
    H = cfg["hidden"]
    # the forget gate's kernel block is PyTorch's second block of rows, transposed
    np.testing.assert_array_equal(lstm.params["kernel"][:, H:2 * H], sd["encoder.weight_ih_l0"][H:2 * H].T)
    np.testing.assert_allclose(lstm.params["bias"], sd["encoder.bias_ih_l0"] + sd["encoder.bias_hh_l0"], rtol=1e-6)


def test_both_biases_are_summed_and_each_matters():
    path, io, cfg = golden("uni_last")
    sd = load_safetensors(path)
    sd["encoder.bias_hh_l0"] = np.zeros_like(sd["encoder.bias_hh_l0"])
    assert np.abs(from_torch_state_dict(sd).predict(io["x"]) - io["y"]).max() > 1e-3


def test_projected_lstm_is_refused_clearly():
    with pytest.raises(ValueError, match="proj_size > 0.*not supported"):
        from_torch_state_dict(DATA / "projected.safetensors")


def test_bad_state_dicts_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="no nn.LSTM weights"):
        from_torch_state_dict({"fc.weight": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="not a readable .safetensors"):
        (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 40)
        from_torch_state_dict(tmp_path / "junk.safetensors")
    with pytest.raises(FileNotFoundError):
        from_torch_state_dict(tmp_path / "missing.safetensors")
    sd = load_safetensors(golden("uni_last")[0])
    with pytest.raises(ValueError, match="no nn.LSTM named 'rnn'"):
        from_torch_state_dict(sd, lstm="rnn")
    sd["other.weight"] = np.zeros((2, 5), np.float32)
    with pytest.raises(ValueError, match="several candidate nn.Linear"):
        from_torch_state_dict(sd)
    assert from_torch_state_dict(sd, linear="head").layers[-1].name == "head"
    with pytest.raises(TypeError):
        from_torch_state_dict(42)


def test_safetensors_loading_needs_no_torch():
    import sys

    assert "torch" not in sys.modules


@pytest.mark.parametrize("case", ["gru_last", "gru_stacked_time_major_sequence", "gru_no_bias"])
def test_nn_gru_outputs_match_pytorch(case):
    """nn.GRU: reset-after with two biases, blocks r, z, n: Keras's GRU(reset_after=True) with [z | r | h]."""
    from explainer import GRU

    path, io, cfg = golden(case)
    model = from_torch_state_dict(path, output=cfg["readout"])
    grus = [l for l in model.layers if isinstance(l, GRU)]
    assert len(grus) == cfg["num_layers"] and all(g.reset_after for g in grus)
    assert all(("bias" in g.params) == cfg["bias"] for g in grus)
    x = io["x"]
    ours = model.predict(x)
    y = io["y"]
    assert ours.shape == y.shape
    assert np.abs(ours - y).max() <= TOL
    top = model.trace(x)[-1]
    assert np.abs(top.h - io["sequence"]).max() <= TOL  # PyTorch's `output`, every step of the top layer
    assert np.abs(top.h[:, -1] - io["h_n"][-1]).max() <= TOL
    if cfg["bias"]:  # the two biases stay apart: b_hn acts inside the reset product, so both matter
        assert grus[0].params["bias"].shape == (2, 3 * grus[0].units)
        assert np.abs(grus[0].params["bias"][1]).max() > 0.1


def test_nn_gru_blocks_are_mapped_by_name():
    from explainer.torch_bridge import torch_to_keras_gru_blocks

    u = 2
    w = np.concatenate([np.full((u, 1), k) for k in range(3)])  # PyTorch rows: r=0, z=1, n=2
    assert torch_to_keras_gru_blocks(w, u)[:, 0].tolist() == [1, 1, 0, 0, 2, 2]  # Keras: z, r, h
