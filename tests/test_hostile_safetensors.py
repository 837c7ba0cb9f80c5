"""``trace --model`` with hostile and unusual PyTorch ``.safetensors`` files: every dtype the format can hold
is read exactly or refused naming the tensor, every wrong shape is refused naming the tensor, its dtype
and shape and what nn.LSTM stores — never an AttributeError, an IndexError or a silent cast."""
import json
import struct
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from explainer.cli import main
from explainer.errors import InputError
from explainer.torch_bridge import from_torch_state_dict, load_safetensors

H, D = 3, 2


def write_safetensors(path: Path, tensors: dict, header_patch=None) -> Path:
    """A .safetensors file written byte by byte (any dtype name, any header), as the format defines it."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if header_patch:
        header_patch(header)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    return path


def lstm_state(rng, dtype=np.float32, units=H, features=D, linear=True):
    s = {"lstm.weight_ih_l0": rng.normal(size=(4 * units, features)), "lstm.weight_hh_l0": rng.normal(size=(4 * units, units)),
         "lstm.bias_ih_l0": rng.normal(size=4 * units), "lstm.bias_hh_l0": rng.normal(size=4 * units)}
    if linear:
        s |= {"fc.weight": rng.normal(size=(1, units)), "fc.bias": rng.normal(size=1)}
    return {k: (0.3 * v).astype(dtype) for k, v in s.items()}


NAMES = {np.float64: "F64", np.float32: "F32", np.float16: "F16", ml_dtypes.bfloat16: "BF16",
         ml_dtypes.float8_e4m3fn: "F8_E4M3", ml_dtypes.float8_e5m2: "F8_E5M2"}


@pytest.mark.parametrize("dtype", list(NAMES), ids=list(NAMES.values()))
def test_every_float_dtype_is_read_exactly_and_runs(tmp_path, dtype):
    state = lstm_state(np.random.default_rng(0), dtype)
    path = write_safetensors(tmp_path / "m.safetensors",
                             {k: (NAMES[dtype], v.shape, v.tobytes()) for k, v in state.items()})
    arrays = load_safetensors(path)
    for k, v in state.items():  # widened without loss: the same numbers ml_dtypes reads
        np.testing.assert_array_equal(arrays[k], v.astype(np.float64).astype(arrays[k].dtype))
    model = from_torch_state_dict(path)
    ref = from_torch_state_dict({k: v.astype(np.float64) for k, v in state.items()})
    x = np.random.default_rng(1).normal(size=(2, 5, D)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), ref.predict(x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,table", [("F8_E4M3", ml_dtypes.float8_e4m3fn), ("F8_E5M2", ml_dtypes.float8_e5m2)])
def test_float8_tables_match_all_256_values(tmp_path, name, table):
    raw = bytes(range(256))
    arrays = load_safetensors(write_safetensors(tmp_path / "t.safetensors", {"t": (name, (256,), raw)}))
    want = np.frombuffer(raw, dtype=table).astype(np.float32)
    np.testing.assert_array_equal(arrays["t"], want)  # NaN == NaN, inf and subnormals included


@pytest.mark.parametrize("dtype,np_dtype", [("I64", "<i8"), ("I32", "<i4"), ("I16", "<i2"), ("I8", "i1"),
                                            ("U8", "u1"), ("U16", "<u2"), ("U32", "<u4"), ("U64", "<u8"),
                                            ("BOOL", "?"), ("C64", "<c8"), ("C128", "<c16")])
def test_non_float_weights_are_refused_naming_tensor_and_dtype(tmp_path, dtype, np_dtype):
    state = lstm_state(np.random.default_rng(0))
    tensors = {k: ("F32", v.shape, v.tobytes()) for k, v in state.items()}
    w = state["lstm.weight_hh_l0"]
    tensors["lstm.weight_hh_l0"] = (dtype, w.shape, np.ones(w.shape, np_dtype).tobytes())
    path = write_safetensors(tmp_path / "m.safetensors", tensors)
    with pytest.raises(InputError, match=r"'lstm.weight_hh_l0' is a \w+ tensor of shape \(12, 3\); expected .*"
                                         r"floating-point weights"):
        from_torch_state_dict(path)


def test_integer_buffers_beside_the_weights_are_ignored(tmp_path):
    state = lstm_state(np.random.default_rng(0))
    tensors = {k: ("F32", v.shape, v.tobytes()) for k, v in state.items()}
    tensors["bn.num_batches_tracked"] = ("I64", (), np.int64(7).tobytes())
    tensors["step"] = ("U8", (3,), b"\x01\x02\x03")
    model = from_torch_state_dict(write_safetensors(tmp_path / "m.safetensors", tensors))
    assert model.layers[0].units == H


SHAPES = [
    ("lstm.weight_hh_l0", (4 * H * H,), r"'lstm.weight_hh_l0' is a float32 tensor of shape \(36,\); expected a 2-D"),
    ("lstm.weight_hh_l0", (4 * H, H, 1), r"shape \(12, 3, 1\); expected a 2-D"),
    ("lstm.weight_hh_l0", (5 * H, H), r"shape \(15, 3\); expected \(4·hidden_size, hidden_size\) = \(12, 3\) "
                                      r"for an nn.LSTM .* or \(9, 3\) for an nn.GRU"),
    ("lstm.weight_hh_l0", (3 * H, H), r"'lstm.bias_hh_l0' .*shape \(12,\); expected a 1-D \(9,\)"),  # read as a GRU
    ("lstm.weight_hh_l0", (0, 0), r"empty float32 tensor of shape \(0, 0\)"),
    ("lstm.weight_hh_l0", (), r"shape \(\); expected a 2-D"),
    ("lstm.weight_ih_l0", (4 * H,), r"'lstm.weight_ih_l0' is a float32 tensor of shape \(12,\); expected a 2-D"),
    ("lstm.weight_ih_l0", (4 * H + 1, D), r"'lstm.weight_ih_l0' .*shape \(13, 2\); expected a 2-D \(12, input"),
    ("lstm.bias_ih_l0", (4 * H, 1), r"'lstm.bias_ih_l0' .*shape \(12, 1\); expected a 1-D \(12,\)"),
    ("lstm.bias_hh_l0", (4 * H + 4,), r"'lstm.bias_hh_l0' .*shape \(16,\); expected a 1-D \(12,\)"),
    ("fc.weight", (1, H + 1), r"nn.Linear 'fc' takes 4 inputs but the LSTM gives 3"),
    ("fc.bias", (2,), r"'fc.bias' .*shape \(2,\); expected a 1-D \(1,\)"),
]


@pytest.mark.parametrize("key,shape,match", SHAPES, ids=[f"{k}{s}" for k, s, _ in SHAPES])
def test_every_wrong_shape_is_refused_naming_tensor_shape_and_expectation(tmp_path, key, shape, match):
    state = lstm_state(np.random.default_rng(0))
    state[key] = np.ones(shape, np.float32)
    path = write_safetensors(tmp_path / "m.safetensors", {k: ("F32", v.shape, v.tobytes()) for k, v in state.items()})
    with pytest.raises(InputError, match=match):
        from_torch_state_dict(path)


def test_a_second_layer_that_does_not_read_the_first_is_refused(tmp_path):
    state = lstm_state(np.random.default_rng(0), linear=False)
    state |= {"lstm.weight_ih_l1": np.ones((4 * H, H + 2), np.float32), "lstm.weight_hh_l1": np.ones((4 * H, H), np.float32)}
    path = write_safetensors(tmp_path / "m.safetensors", {k: ("F32", v.shape, v.tobytes()) for k, v in state.items()})
    with pytest.raises(InputError, match=r"'lstm.weight_ih_l1' .*shape \(12, 5\); expected a 2-D \(12, 3\)"):
        from_torch_state_dict(path)


HEADERS = [
    (lambda h: h["lstm.weight_hh_l0"].update(dtype="F4"), r"dtype 'F4', which this reader does not know"),
    (lambda h: h["lstm.weight_hh_l0"].update(dtype=7), r"dtype 7, which this reader does not know"),
    (lambda h: h["lstm.weight_hh_l0"].update(shape=[12, -3]), r"shape \[12, -3\]"),
    (lambda h: h["lstm.weight_hh_l0"].update(shape="12x3"), r"shape '12x3'"),
    (lambda h: h["lstm.weight_hh_l0"].update(shape=[12, 4]), r"needs 192 bytes but its data_offsets hold 144"),
    (lambda h: h["lstm.weight_hh_l0"].update(data_offsets=[0, 10**9]), r"outside the file's"),
    (lambda h: h["lstm.weight_hh_l0"].update(data_offsets=[10, 4]), r"outside the file's"),
    (lambda h: h["lstm.weight_hh_l0"].pop("dtype"), r"has no dtype, shape and data_offsets"),
    (lambda h: h.update({"lstm.weight_hh_l0": [1, 2]}), r"has no dtype, shape and data_offsets"),
]


@pytest.mark.parametrize("patch,match", HEADERS, ids=[m[:30] for _, m in HEADERS])
def test_damaged_headers_name_the_tensor(tmp_path, patch, match):
    state = lstm_state(np.random.default_rng(0))
    path = write_safetensors(tmp_path / "m.safetensors", {k: ("F32", v.shape, v.tobytes()) for k, v in state.items()},
                             header_patch=patch)
    with pytest.raises(InputError, match=match):
        from_torch_state_dict(path)


@pytest.mark.parametrize("blob,match", [
    (b"", "too short for its header"), (b"\x01\x00", "too short"),
    (struct.pack("<Q", 10**12) + b"{}", "header claims 1,000,000,000,000 bytes"),
    (struct.pack("<Q", 4) + b"\xff\xfe{}", "header is not JSON"),
    (struct.pack("<Q", 2) + b"[]", "header is a list"),
    (struct.pack("<Q", 2) + b"{}", "no nn.LSTM weights"),
    (struct.pack("<Q", 9) + b'{"a": 1} ', "has no dtype"),
])
def test_files_that_are_not_safetensors_are_named(tmp_path, blob, match):
    path = tmp_path / "m.safetensors"
    path.write_bytes(blob)
    with pytest.raises(InputError, match=match):
        from_torch_state_dict(path)


def test_trace_model_with_bfloat16_file_end_to_end(tmp_path, capsys):
    state = lstm_state(np.random.default_rng(0), ml_dtypes.bfloat16)
    model = write_safetensors(tmp_path / "m.safetensors", {k: ("BF16", v.shape, v.tobytes()) for k, v in state.items()})
    np.save(tmp_path / "x.npy", np.random.default_rng(2).normal(size=(4, D)).astype(np.float32))
    assert main(["trace", "--model", str(model), "--input", str(tmp_path / "x.npy"), "--out", str(tmp_path / "t.npz")]) == 0
    from explainer import SequenceTrace

    trace = SequenceTrace.load(tmp_path / "t.npz")
    assert trace.units == H and trace.time == 4 and np.isfinite(trace.h).all()


def test_trace_model_with_float8_shape_error_is_one_line(tmp_path, capsys):
    state = lstm_state(np.random.default_rng(0), ml_dtypes.float8_e4m3fn)
    state["lstm.weight_hh_l0"] = state["lstm.weight_hh_l0"].reshape(-1)
    model = write_safetensors(tmp_path / "m.safetensors", {k: ("F8_E4M3", v.shape, v.tobytes()) for k, v in state.items()})
    np.save(tmp_path / "x.npy", np.zeros((4, D), np.float32))
    assert main(["trace", "--model", str(model), "--input", str(tmp_path / "x.npy"), "--out", str(tmp_path / "t.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 'lstm.weight_hh_l0' is a float32 tensor of shape (36,); expected a 2-D") and \
        "Traceback" not in err
    assert not (tmp_path / "t.npz").exists()


def test_safetensors_are_read_without_the_safetensors_package(tmp_path):
    """The format is read here: neither torch nor the safetensors package is needed."""
    import subprocess
    import sys

    state = lstm_state(np.random.default_rng(0))
    path = write_safetensors(tmp_path / "m.safetensors", {k: ("F32", v.shape, v.tobytes()) for k, v in state.items()})
    code = ("import sys; sys.modules['safetensors'] = None; sys.modules['torch'] = None\n"
            "from explainer.torch_bridge import from_torch_state_dict\n"
            f"print(from_torch_state_dict({str(path)!r}).layers[0].units)")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                         env={**__import__("os").environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0 and out.stdout.strip() == str(H), out.stderr
