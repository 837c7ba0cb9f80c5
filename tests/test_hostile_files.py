"""Traces and model files from strangers: every damaged or hostile one refused with a clear error.

The hostile files are made here, in the test: an array header that claims 25 TiB, a small zip
holding a huge member, a header nested 100 000 levels deep, a bare .npy with a zip end record
appended, text and complex arrays, a model header that claims 10⁷ units, and traces that
break their own equations.
"""
import io
import json
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from explainer import LSTM, Sequential, SequenceTrace
from explainer.demo import demo_trace
from explainer.npzfile import save_npz
from explainer.trace import ARRAY_FIELDS, FORMAT, TraceError


# --- building blocks of hostile files --------------------------------------------
def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=True)
    return buf.getvalue()


def npy_header_only(shape, dtype="<f8") -> bytes:
    """A .npy header that claims ``shape``, followed by no data at all."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def write_zip(path, members: dict[str, bytes], compress=False) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def trace_members(tr: SequenceTrace, header: dict | None = None, **replace) -> dict[str, bytes]:
    arrays = {n: getattr(tr, n) for n in ARRAY_FIELDS}
    arrays["unit_index"] = tr.unit_index
    arrays.update({f"weights/{k}": v for k, v in tr.weights.items()})
    arrays.update(replace)
    out = {f"{k}.npy": v if isinstance(v, bytes) else npy_bytes(np.asarray(v)) for k, v in arrays.items()}
    out["header.npy"] = npy_bytes(np.array(json.dumps(header or {"format": FORMAT, "layer": tr.layer, "meta": tr.meta})))
    return out


@pytest.fixture
def tr():
    return demo_trace()


# --- hostile npz: refused before any data is read ---------------------------------
def test_header_that_claims_terabytes_is_refused_before_reading(tmp_path, tr):
    path = tmp_path / "huge.npz"
    write_zip(path, trace_members(tr, h=npy_header_only((1, 7, 10 ** 12))))
    assert path.stat().st_size < 20_000
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"'h' declares shape \(1, 7, 1000000000000\).*MiB"):
        SequenceTrace.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50 * 2 ** 20


def test_small_zip_with_a_huge_member_is_refused_quickly(tmp_path, tr):
    """A 600 MB member of zeros deflates to ~600 KB; its header is read, its data never is."""
    path = tmp_path / "bomb.npz"
    n = 600 * 2 ** 20 // 8
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in trace_members(tr).items():
            if name != "h.npy":
                zf.writestr(name, data)
        with zf.open("h.npy", "w", force_zip64=True) as fh:
            fh.write(npy_header_only((1, 9, n // 9)))
            zero = bytes(2 ** 20)
            for _ in range(n * 8 // len(zero)):
                fh.write(zero)
    assert path.stat().st_size < 5 * 2 ** 20
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="exceed the 512 MiB"):
        SequenceTrace.load(path)
    assert time.perf_counter() - t0 < 2


def test_member_whose_size_disagrees_with_its_header_is_refused(tmp_path, tr):
    path = tmp_path / "short.npz"
    write_zip(path, trace_members(tr, h=npy_header_only((1, 9, 3), "<f4") + b"\0" * 8))
    with pytest.raises(ValueError, match="declares 108 bytes of data but its member holds 8"):
        SequenceTrace.load(path)


def test_unknown_members_are_never_read(tmp_path, tr):
    path = tmp_path / "extra.npz"
    members = trace_members(tr)
    members["payload.npy"] = npy_header_only((10 ** 12,))  # would be refused if it were read
    members["notes.txt"] = b"hello"
    write_zip(path, members)
    assert SequenceTrace.load(path) == tr


@pytest.mark.parametrize("dtype,match", [("<U3", "text"), ("<c8", "complex"), ("|b1", "booleans"),
                                         ("|O", "Python objects")])
def test_arrays_that_are_not_real_numbers_are_refused(tmp_path, tr, dtype, match):
    path = tmp_path / "kind.npz"
    bad = np.zeros(tr.f.shape).astype(dtype) if dtype != "|O" else np.empty(tr.f.shape, object)
    write_zip(path, trace_members(tr, f=npy_bytes(bad)))
    with pytest.raises(ValueError, match=match):
        SequenceTrace.load(path)


def test_deeply_nested_header_is_refused_without_recursion_error(tmp_path, tr):
    path = tmp_path / "deep.npz"
    deep = "[" * 100_000 + "]" * 100_000
    members = trace_members(tr)
    members["header.npy"] = npy_bytes(np.array('{"format": "%s", "meta": %s}' % (FORMAT, deep)))
    write_zip(path, members)
    with pytest.raises(ValueError, match="nests 100001 levels deep"):
        SequenceTrace.load(path)


@pytest.mark.parametrize("header,match", [
    ("[1, 2]", "JSON object"),
    ('{"format": "lstm-explainer-trace/1", "meta": NaN}', "not valid JSON"),
    ('{"format": "lstm-explainer-trace/1", "meta": 5}', "meta must be a JSON object"),
    ('{"format": "lstm-explainer-trace/1", "meta": {"features": 5}}', r"meta\['features'\] must be a list of 3"),
    ('{"format": "lstm-explainer-trace/1", "meta": {"unit_names": 5}}', r"meta\['unit_names'\]"),
    ('{"format": "lstm-explainer-trace/1", "meta": {"labels": ["a"]}}', r"meta\['labels'\] must be a list of 8"),
    ('{"format": "lstm-explainer-model/1"}', "expected format"),
])
def test_bad_headers_and_meta_are_refused(tmp_path, tr, header, match):
    path = tmp_path / "h.npz"
    members = trace_members(tr)
    members["header.npy"] = npy_bytes(np.array(header))
    write_zip(path, members)
    with pytest.raises(ValueError, match=match):
        SequenceTrace.load(path)


def test_npy_with_a_zip_end_record_appended_is_not_an_npz(tmp_path):
    path = tmp_path / "polyglot.npz"
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 0, 0, 0, 0, 0)
    path.write_bytes(npy_bytes(np.zeros(3)) + eocd)
    assert zipfile.is_zipfile(path)
    for load in (SequenceTrace.load, Sequential.load):
        with pytest.raises(ValueError, match="not an .npz archive"):
            load(path)


# --- model files --------------------------------------------------------------------
def model_file(tmp_path, name="m.npz", config=None, weights=None):
    model = Sequential([LSTM(3, input_shape=(4, 2)), ], seed=0)
    model.compile("mse", "adam")
    header = {"format": "lstm-explainer-model/1", "config": config or model.get_config()}
    arrays = {f"w{k:03d}": w for k, w in enumerate(weights if weights is not None else model.get_weights())}
    return save_npz(tmp_path / name, arrays, header), model


def test_model_header_that_claims_ten_million_units_is_refused_before_building(tmp_path):
    _, model = model_file(tmp_path)
    cfg = model.get_config()
    cfg["layers"][0]["config"]["units"] = 10 ** 7
    path, _ = model_file(tmp_path, config=cfg)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="at least 400,000,080,000,000 weights but the file holds 72"):
        Sequential.load(path)
    assert time.perf_counter() - t0 < 1


@pytest.mark.parametrize("change,match", [
    (lambda c: c["optimizer"].update(name="sgd"), "unknown optimizer 'sgd'"),
    (lambda c: c["optimizer"].update(nesterov=True), "no setting 'nesterov'"),
    (lambda c: c["optimizer"].update(learning_rate=1e30), r"learning_rate must be in \(0, 1\]"),
    (lambda c: c["layers"][0].update({"class": "Conv9D"}), "unknown layer class 'Conv9D'"),
    (lambda c: c["layers"][0].update({"class": ["LSTM"]}), "unknown layer class"),
    (lambda c: c["layers"][0]["config"].pop("units"), "needs the option 'units'"),
    (lambda c: c["layers"][0]["config"].update(units="many"), "units 'many' is not a positive integer"),
    (lambda c: c["layers"][0].update(config=[1, 2]), "is not {'class'"),
    (lambda c: c.update(optimizer=["adam"]), "optimizer"),
    (lambda c: c["layers"][0]["config"].update(colour="red"), "colour"),
    (lambda c: c.update(input_shape="big"), "input_shape"),
    (lambda c: c.update(layers=[]), "no list of layers"),
    (lambda c: c.update(loss="hinge"), "unknown loss"),
])
def test_damaged_model_headers_are_value_errors(tmp_path, change, match):
    from explainer.errors import InputError

    _, model = model_file(tmp_path)
    cfg = model.get_config()
    change(cfg)
    path, _ = model_file(tmp_path, config=cfg)
    with pytest.raises(InputError, match=match):  # the project's bad-input error, not a bug's KeyError/TypeError
        Sequential.load(path)


def test_model_with_text_weights_is_refused(tmp_path):
    _, model = model_file(tmp_path)
    w = model.get_weights()
    w[0] = w[0].astype(str)
    path, _ = model_file(tmp_path, weights=w)
    with pytest.raises(ValueError, match="'w000' must hold real numbers"):
        Sequential.load(path)


def test_model_round_trip_still_works(tmp_path):
    path, model = model_file(tmp_path)
    back = Sequential.load(path)
    for a, b in zip(model.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(a, b)


# --- trace validation: a trace must satisfy its own equations ------------------------
def test_real_traces_pass_in_float32_float64_with_peepholes_narrowed_and_sampled():
    rng = np.random.default_rng(0)
    for dtype in ("float32", "float64"):
        for peephole in (False, True):
            layer = LSTM(16, peephole=peephole, dtype=dtype, seed=1)
            layer.build((30, 5), rng)
            for w in layer.params.values():  # large weights and inputs: the tolerance is relative
                w[...] = rng.normal(size=w.shape) * 2
            tr = layer.trace(rng.normal(size=(4, 30, 5)) * 20)
            assert tr.validate() is tr
            tr.narrow([3, 1]).validate()
            tr.sample(2).validate()


def edited(field, where, value):
    tr = demo_trace()
    getattr(tr, field)[where] = value
    return tr


@pytest.mark.parametrize("tr,match", [
    (edited("f", (0, 3, 1), 7e29), r"'f' at step 3 \('birds'\), unit 1, sample 0: 7.*outside its range \[0, 1\]"),
    (edited("g", (0, 2, 0), -1.5), r"'g' at step 2.*unit 0.*outside its range \[-1, 1\]"),
    (edited("h", (0, 1, 1), np.nan), r"'h' at step 1.*unit 1.*not a finite number"),
    (edited("x", (0, 0, 1), np.inf), r"'x' at step 0.*input feature 1.*not a finite number"),
    (edited("c", (0, 4, 1), 0.5), r"'c' at step 4.*unit 1.*breaks its equation"),
    (edited("i", (0, 6, 0), 0.999), r"'i' at step 6.*unit 0.*breaks its equation"),
    (edited("tanh_c", (0, 5, 1), 0.9), r"'tanh_c' at step 5.*unit 1.*breaks its equation"),
    (edited("z", (0, 2, 3), 3.3), r"'z' at step 2.*unit 1 \(z_f\).*not x W \+ h_prev U \+ b"),
    (edited("h_prev", (0, 3, 0), 0.25), r"'z' at step 3.*not x W \+ h_prev U"),
    (edited("h_prev", (0, 3, 0), 0.25).narrow([0]), r"'h_prev' at step 3.*unit 0.*not the previous step's value"),
])
def test_edited_values_are_refused_naming_step_unit_and_field(tr, match):
    with pytest.raises(TraceError, match=match) as e:
        tr.validate()
    assert e.value.field in ARRAY_FIELDS and e.value.step is not None


def test_edited_value_in_a_file_is_refused_on_load(tmp_path):
    path = edited("f", (0, 3, 1), 7e29).save(tmp_path / "t.npz")
    with pytest.raises(TraceError, match=r"t.npz: trace field 'f' at step 3"):
        SequenceTrace.load(path)


def test_float32_rounding_is_within_the_tolerance_but_a_wrong_digit_is_not():
    tr = demo_trace()
    ulp = np.spacing(tr.c[0, 4, 1])
    tr.c[0, 4, 1] += 4 * ulp
    tr.c_prev[0, 5, 1] = tr.c[0, 4, 1]
    tr.tanh_c[0, 4, 1] = np.tanh(tr.c[0, 4, 1])
    tr.h[0, 4, 1] = tr.o[0, 4, 1] * tr.tanh_c[0, 4, 1]
    tr.h_prev[0, 5, 1] = tr.h[0, 4, 1]
    tr.validate()
    tr.c[0, 4, 1] += 1e-4
    with pytest.raises(TraceError, match="'c' at step 4"):
        tr.validate()


def test_masked_steps_are_left_out_of_the_equations():
    tr = edited("c", (0, 4, 1), 0.5)
    mask = np.ones((1, tr.time), bool)
    mask[0, 4] = False
    tr.validate(mask)
    with pytest.raises(TraceError, match="mask must have shape"):
        tr.validate(np.ones(3, bool))


@pytest.mark.parametrize("make,match", [
    (lambda t: SequenceTrace(**{n: getattr(t, n)[:, :0] for n in ARRAY_FIELDS}), "0 time steps"),
    (lambda t: SequenceTrace(**{n: (getattr(t, n)[..., :0]) for n in ARRAY_FIELDS}), "0 units"),
    (lambda t: SequenceTrace(**{n: getattr(t, n).astype(str) for n in ARRAY_FIELDS}), "text"),
    (lambda t: SequenceTrace(**{n: getattr(t, n).astype(complex) for n in ARRAY_FIELDS}), "complex"),
    (lambda t: SequenceTrace(**{n: getattr(t, n) for n in ARRAY_FIELDS}, unit_index=[0]), "unit_index"),
    (lambda t: SequenceTrace(**{n: getattr(t, n) for n in ARRAY_FIELDS}, unit_index=[-5, 10 ** 12]).validate(),
     r"unit_index\[0\] = -5"),
    (lambda t: SequenceTrace(**{n: getattr(t, n) for n in ARRAY_FIELDS}, unit_index=[0, 10 ** 12]).validate(),
     r"unit_index\[1\] = 1000000000000"),
    (lambda t: SequenceTrace(**{n: getattr(t, n) for n in ARRAY_FIELDS}, unit_index=[0, 0]).validate(),
     "repeats"),
    (lambda t: SequenceTrace(**{n: getattr(t, n) for n in ARRAY_FIELDS},
                             weights={"kernel": np.zeros((5, 5))}).validate(), r"'kernel' has shape \(5, 5\)"),
    (lambda t: SequenceTrace(**{n: getattr(t, n) for n in ARRAY_FIELDS}, meta=[1]), "meta must be a dict"),
    (lambda t: SequenceTrace(**{n: getattr(t, n) for n in ARRAY_FIELDS}, meta={"labels": "abc"}).validate(),
     "labels"),
])
def test_malformed_traces_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make(demo_trace())
